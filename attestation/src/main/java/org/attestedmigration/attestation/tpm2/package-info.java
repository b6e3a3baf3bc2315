/**
 * Pure-Java parsers and checks for the TPM 2.0 structures a quote verifier meets (TPMS_ATTEST,
 * TPMT_SIGNATURE, TPMT_PUBLIC, TPML_PCR_SELECTION) and for the files tpm2-tools exchanges around
 * them. Parsers are strict: any malformed input raises
 * {@link org.attestedmigration.attestation.MalformedStructureException}.
 */
package org.attestedmigration.attestation.tpm2;
