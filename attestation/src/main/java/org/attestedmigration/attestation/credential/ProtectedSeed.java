package org.attestedmigration.attestation.credential;

/**
 * A fresh seed and its protection to the EK (the TPM2B_ENCRYPTED_SECRET contents). Internal: the
 * seed is key material and must not outlive the credential computation.
 */
record ProtectedSeed(byte[] seed, byte[] encryptedSecret) {
}
