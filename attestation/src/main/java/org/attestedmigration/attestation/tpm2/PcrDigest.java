package org.attestedmigration.attestation.tpm2;

import java.security.MessageDigest;
import java.util.List;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.PcrValues;

/** The pcrDigest of a quote: the hash of the selected PCR values, in selection order. */
public final class PcrDigest {
    private PcrDigest() {
    }

    /**
     * H(value of each selected PCR), selections in list order and PCR indices ascending within each,
     * as TPM2_Quote computes it.
     *
     * @throws MissingPcrException if a selected PCR has no value in {@code values}
     */
    public static byte[] compute(HashAlgorithm hash, List<PcrSelection> selections, PcrValues values) throws MissingPcrException {
        MessageDigest md = hash.newDigest();
        for (PcrSelection s : selections) {
            for (int pcr : s.pcrs()) {
                byte[] v = values.get(s.bank(), pcr)
                        .orElseThrow(() -> new MissingPcrException("PCR " + pcr + " of bank " + s.bank().bankName()
                                + " is selected but has no value"));
                md.update(v);
            }
        }
        return md.digest();
    }
}
