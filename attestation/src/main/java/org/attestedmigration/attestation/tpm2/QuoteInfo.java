package org.attestedmigration.attestation.tpm2;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.attestedmigration.attestation.MalformedStructureException;
import org.attestedmigration.attestation.PcrSelection;

/** TPMS_QUOTE_INFO: the quoted PCR selection and the digest of the selected PCR values. */
public record QuoteInfo(List<PcrSelection> pcrSelect, byte[] pcrDigest) {
    /** sizeof(TPMU_HA): the largest digest a TPM2B_DIGEST holds. */
    static final int MAX_DIGEST = 64;

    public QuoteInfo {
        pcrSelect = List.copyOf(pcrSelect);
        pcrDigest = pcrDigest.clone();
    }

    @Override
    public byte[] pcrDigest() {
        return pcrDigest.clone();
    }

    static QuoteInfo parse(TpmReader r, String field) throws MalformedStructureException {
        List<PcrSelection> selections = PcrSelections.parse(r, field + ".pcrSelect");
        byte[] digest = r.tpm2b(field + ".pcrDigest", MAX_DIGEST);
        return new QuoteInfo(selections, digest);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuoteInfo q && pcrSelect.equals(q.pcrSelect) && Arrays.equals(pcrDigest, q.pcrDigest);
    }

    @Override
    public int hashCode() {
        return pcrSelect.hashCode() * 31 + Arrays.hashCode(pcrDigest);
    }

    @Override
    public String toString() {
        return "QuoteInfo[pcrSelect=" + pcrSelect + ", pcrDigest=" + HexFormat.of().formatHex(pcrDigest) + "]";
    }
}
