package org.attestedmigration.attestation;

/**
 * The endorsement keys a TPM manufacturer (or swtpm_setup) provisions, at the persistent handles
 * and certificate NV indices of the TCG EK Credential Profile.
 */
public enum EndorsementKeyType {
    RSA_2048(0x81010001, 0x01c00002),
    ECC_P384(0x81010016, 0x01c00016);

    private final int persistentHandle;
    private final int certificateNvIndex;

    EndorsementKeyType(int persistentHandle, int certificateNvIndex) {
        this.persistentHandle = persistentHandle;
        this.certificateNvIndex = certificateNvIndex;
    }

    public int persistentHandle() {
        return persistentHandle;
    }

    public int certificateNvIndex() {
        return certificateNvIndex;
    }
}
