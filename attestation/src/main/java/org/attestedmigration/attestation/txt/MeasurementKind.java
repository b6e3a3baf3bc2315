package org.attestedmigration.attestation.txt;

/** How a {@link LaunchMeasurement} reaches the TPM. */
public enum MeasurementKind {
    /**
     * The DRTM hash sequence (_TPM_Hash_Start / _TPM_Hash_Data / _TPM_Hash_End at locality 4,
     * swtpm: {@code swtpm_ioctl -h}): the executor sends the raw data, the TPM resets PCR 17-22 to
     * zero and extends PCR 17 in every bank with H_bank(data).
     */
    DRTM_HASH_SEQUENCE,
    /** An ordinary TPM2_PCR_Extend of the given digests at the given locality. */
    PCR_EXTEND
}
