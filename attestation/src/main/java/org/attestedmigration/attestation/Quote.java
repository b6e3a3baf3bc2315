package org.attestedmigration.attestation;

/** What TPM2_Quote returns: the signed TPMS_ATTEST and its TPMT_SIGNATURE, both as marshalled bytes. */
public final class Quote {
    private final byte[] message;
    private final byte[] signature;

    public Quote(byte[] message, byte[] signature) {
        this.message = message.clone();
        this.signature = signature.clone();
    }

    /** The marshalled TPMS_ATTEST that was signed. */
    public byte[] message() {
        return message.clone();
    }

    /** The marshalled TPMT_SIGNATURE. */
    public byte[] signature() {
        return signature.clone();
    }
}
