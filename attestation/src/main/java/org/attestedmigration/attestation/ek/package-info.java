/**
 * Validation of endorsement key certificates against the TPM manufacturers' CAs a verifier
 * trusts, following the TCG EK Credential Profile where it matters for trust: a path to a
 * trusted root at a given time, an end-entity certificate, and the key usage an EK may have.
 */
package org.attestedmigration.attestation.ek;
