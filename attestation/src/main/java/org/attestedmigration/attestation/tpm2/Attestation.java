package org.attestedmigration.attestation.tpm2;

import java.util.Arrays;
import java.util.HexFormat;
import org.attestedmigration.attestation.MalformedStructureException;

/**
 * A TPMS_ATTEST produced by TPM2_Quote, as written by {@code tpm2_quote -m}. The raw bytes are
 * kept because the signature covers exactly them; re-marshalling could differ.
 */
public record Attestation(byte[] raw, byte[] qualifiedSigner, byte[] extraData, ClockInfo clockInfo,
        long firmwareVersion, QuoteInfo quote) {
    /** TPM_GENERATED_VALUE: proves the structure came from inside a TPM. */
    public static final long TPM_GENERATED_VALUE = 0xff544347L;
    /** TPM_ST_ATTEST_QUOTE. */
    public static final int TPM_ST_ATTEST_QUOTE = 0x8018;
    /** sizeof(TPMU_NAME): a TPMT_HA with the largest digest. */
    static final int MAX_NAME = 2 + 64;
    /** sizeof(TPMT_HA), the capacity of TPM2B_DATA. */
    static final int MAX_DATA = 2 + 64;

    public Attestation {
        raw = raw.clone();
        qualifiedSigner = qualifiedSigner.clone();
        extraData = extraData.clone();
    }

    /** Parses a complete TPMS_ATTEST of type quote; any other type, wrong magic or trailing byte is malformed. */
    public static Attestation parse(byte[] message) throws MalformedStructureException {
        TpmReader r = new TpmReader(message, "TPMS_ATTEST");
        long magic = r.u32("magic");
        if (magic != TPM_GENERATED_VALUE) {
            throw r.malformed("magic", 0, String.format("0x%08x is not TPM_GENERATED_VALUE 0xff544347", magic));
        }
        int type = r.u16("type");
        if (type != TPM_ST_ATTEST_QUOTE) {
            throw r.malformed("type", 4, String.format("0x%04x is not TPM_ST_ATTEST_QUOTE 0x8018", type));
        }
        byte[] signer = r.tpm2b("qualifiedSigner", MAX_NAME);
        byte[] extra = r.tpm2b("extraData", MAX_DATA);
        ClockInfo clock = ClockInfo.parse(r, "clockInfo");
        long firmware = r.u64("firmwareVersion");
        QuoteInfo quote = QuoteInfo.parse(r, "attested.quote");
        r.expectEnd();
        return new Attestation(message, signer, extra, clock, firmware, quote);
    }

    @Override
    public byte[] raw() {
        return raw.clone();
    }

    @Override
    public byte[] qualifiedSigner() {
        return qualifiedSigner.clone();
    }

    @Override
    public byte[] extraData() {
        return extraData.clone();
    }

    /** Equality follows the raw bytes, which determine every other field. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Attestation a && Arrays.equals(raw, a.raw);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(raw);
    }

    @Override
    public String toString() {
        HexFormat hex = HexFormat.of();
        return "Attestation[qualifiedSigner=" + hex.formatHex(qualifiedSigner) + ", extraData=" + hex.formatHex(extraData)
                + ", clockInfo=" + clockInfo + ", firmwareVersion=0x" + Long.toHexString(firmwareVersion)
                + ", quote=" + quote + "]";
    }
}
