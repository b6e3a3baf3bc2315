/**
 * TPM 2.0 attestation: access to a TPM (software or hardware), attestation keys bound to the
 * endorsement key, quotes over the measured-launch PCRs, and pure-Java verification of the
 * resulting {@link org.attestedmigration.attestation.Evidence}.
 */
package org.attestedmigration.attestation;
