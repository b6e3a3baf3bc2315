package org.attestedmigration.attestation;

/**
 * A restricted signing key in the endorsement hierarchy, loaded in one {@link Tpm}. Its public
 * area (TPMT_PUBLIC) is what a verifier checks signatures with; the handle never leaves the TPM
 * session that created it.
 */
public final class AttestationKey {
    private final KeyAlgorithm algorithm;
    private final byte[] publicArea;
    private final byte[] name;
    final int handle;

    AttestationKey(KeyAlgorithm algorithm, byte[] publicArea, byte[] name, int handle) {
        this.algorithm = algorithm;
        this.publicArea = publicArea.clone();
        this.name = name.clone();
        this.handle = handle;
    }

    public KeyAlgorithm algorithm() {
        return algorithm;
    }

    /** The marshalled TPMT_PUBLIC. */
    public byte[] publicArea() {
        return publicArea.clone();
    }

    /** The TPM name: nameAlg || H(TPMT_PUBLIC). Credential activation binds to it. */
    public byte[] name() {
        return name.clone();
    }
}
