package org.attestedmigration.attestation;

import java.util.Collections;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/** One TPMS_PCR_SELECTION: a bank and the PCR indices selected in it (0..23). */
public record PcrSelection(HashAlgorithm bank, SortedSet<Integer> pcrs) {
    public static final int PCR_COUNT = 24;

    public PcrSelection {
        Objects.requireNonNull(bank, "bank");
        TreeSet<Integer> copy = new TreeSet<>(pcrs);
        for (int i : copy) {
            if (i < 0 || i >= PCR_COUNT) {
                throw new IllegalArgumentException("PCR index " + i + " is outside 0.." + (PCR_COUNT - 1));
            }
        }
        pcrs = Collections.unmodifiableSortedSet(copy);
    }

    public static PcrSelection of(HashAlgorithm bank, Integer... pcrs) {
        return new PcrSelection(bank, new TreeSet<>(java.util.Arrays.asList(pcrs)));
    }

    /**
     * Parses the tpm2-tools notation {@code sha256:0,17,18,19}.
     *
     * @throws IllegalArgumentException with a message that names the bad part
     */
    public static PcrSelection parse(String text) {
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("PCR selection '" + text + "' must look like sha256:0,17,18,19");
        }
        String bankName = text.substring(0, colon);
        HashAlgorithm bank = HashAlgorithm.fromBankName(bankName)
                .orElseThrow(() -> new IllegalArgumentException("unknown PCR bank '" + bankName + "' (sha1, sha256, sha384, sha512)"));
        TreeSet<Integer> pcrs = new TreeSet<>();
        for (String part : text.substring(colon + 1).split(",")) {
            String p = part.trim();
            try {
                pcrs.add(Integer.parseInt(p));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("PCR index '" + p + "' in '" + text + "' is not a number");
            }
        }
        return new PcrSelection(bank, pcrs);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(bank.bankName()).append(':');
        String sep = "";
        for (int i : pcrs) {
            sb.append(sep).append(i);
            sep = ",";
        }
        return sb.toString();
    }
}
