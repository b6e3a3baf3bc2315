/**
 * The verifier's half of TPM 2.0 credential activation (TPM 2.0 Part 1, "Credential
 * Protection"): a secret is wrapped to an endorsement key so that only the TPM holding that EK,
 * and only if it also holds an object with the given name (the attestation key), can recover it
 * with TPM2_ActivateCredential. Pure JCA; no TPM is needed on the verifier.
 */
package org.attestedmigration.attestation.credential;
