package org.attestedmigration.attestation.credential;

import java.util.Arrays;
import java.util.Objects;

/**
 * What the verifier sends to the attester, exactly the two outputs of TPM2_MakeCredential and the
 * two inputs of TPM2_ActivateCredential, each without its outer TPM2B size.
 *
 * @param credentialBlob contents of the TPM2B_ID_OBJECT: the integrity HMAC as a TPM2B_DIGEST
 *     followed by encIdentity
 * @param encryptedSecret contents of the TPM2B_ENCRYPTED_SECRET: the RSA-OAEP ciphertext of the
 *     seed, or the ephemeral TPMS_ECC_POINT for an ECC EK
 */
public record EncryptedCredential(byte[] credentialBlob, byte[] encryptedSecret) {

    public EncryptedCredential {
        Objects.requireNonNull(credentialBlob, "credentialBlob");
        Objects.requireNonNull(encryptedSecret, "encryptedSecret");
        if (credentialBlob.length > Tpm2b.MAX_SIZE || encryptedSecret.length > Tpm2b.MAX_SIZE) {
            throw new IllegalArgumentException("credential parts must fit a TPM2B (65535 bytes)");
        }
        credentialBlob = credentialBlob.clone();
        encryptedSecret = encryptedSecret.clone();
    }

    @Override
    public byte[] credentialBlob() {
        return credentialBlob.clone();
    }

    @Override
    public byte[] encryptedSecret() {
        return encryptedSecret.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EncryptedCredential other
                && Arrays.equals(credentialBlob, other.credentialBlob)
                && Arrays.equals(encryptedSecret, other.encryptedSecret);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(credentialBlob) + Arrays.hashCode(encryptedSecret);
    }

    @Override
    public String toString() {
        return "EncryptedCredential[credentialBlob=" + credentialBlob.length + " bytes, encryptedSecret="
                + encryptedSecret.length + " bytes]";
    }
}
