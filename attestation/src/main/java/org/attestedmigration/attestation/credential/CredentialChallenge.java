package org.attestedmigration.attestation.credential;

import java.security.MessageDigest;
import java.util.Objects;

/**
 * One credential-activation round as the verifier keeps it: the {@link EncryptedCredential} to
 * send, the AK name it is bound to, and the secret the attester must return. The secret never
 * leaves this object; {@link #toString()} leaves it out.
 */
public final class CredentialChallenge {
    private final EncryptedCredential encryptedCredential;
    private final byte[] akName;
    private final byte[] expectedSecret;

    CredentialChallenge(EncryptedCredential encryptedCredential, byte[] akName, byte[] expectedSecret) {
        this.encryptedCredential = Objects.requireNonNull(encryptedCredential, "encryptedCredential");
        this.akName = akName.clone();
        this.expectedSecret = expectedSecret.clone();
    }

    /** The part to send to the attester for TPM2_ActivateCredential. */
    public EncryptedCredential encryptedCredential() {
        return encryptedCredential;
    }

    /** The TPM name (nameAlg || digest) of the attestation key this credential is bound to. */
    public byte[] akName() {
        return akName.clone();
    }

    /**
     * Whether the attester's answer is the secret. The comparison takes the same time wherever
     * the first differing byte is, so a network attacker learns nothing from timing.
     */
    public boolean matches(byte[] answer) {
        if (answer == null) {
            return false;
        }
        return MessageDigest.isEqual(expectedSecret, answer);
    }

    /** Length of the secret in bytes, e.g. for sizing buffers; the value itself is not exposed. */
    public int secretLength() {
        return expectedSecret.length;
    }

    @Override
    public String toString() {
        return "CredentialChallenge[" + encryptedCredential + ", akName=" + akName.length + " bytes]";
    }
}
