package org.attestedmigration.attestation;

import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/** Immutable PCR values, per bank and index; digests are copied in and out. */
public final class PcrValues {
    private final Map<HashAlgorithm, SortedMap<Integer, byte[]>> banks;

    private PcrValues(Map<HashAlgorithm, SortedMap<Integer, byte[]>> banks) {
        this.banks = banks;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Optional<byte[]> get(HashAlgorithm bank, int pcr) {
        SortedMap<Integer, byte[]> b = banks.get(bank);
        if (b == null || !b.containsKey(pcr)) {
            return Optional.empty();
        }
        return Optional.of(b.get(pcr).clone());
    }

    public SortedSet<HashAlgorithm> banks() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(banks.keySet()));
    }

    public SortedSet<Integer> indices(HashAlgorithm bank) {
        SortedMap<Integer, byte[]> b = banks.get(bank);
        return b == null ? Collections.emptySortedSet() : Collections.unmodifiableSortedSet(new TreeSet<>(b.keySet()));
    }

    public boolean covers(PcrSelection selection) {
        return indices(selection.bank()).containsAll(selection.pcrs());
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PcrValues other) || !banks.keySet().equals(other.banks.keySet())) {
            return false;
        }
        for (var e : banks.entrySet()) {
            SortedMap<Integer, byte[]> mine = e.getValue();
            SortedMap<Integer, byte[]> theirs = other.banks.get(e.getKey());
            if (!mine.keySet().equals(theirs.keySet())) {
                return false;
            }
            for (var v : mine.entrySet()) {
                if (!Arrays.equals(v.getValue(), theirs.get(v.getKey()))) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 0;
        for (var e : banks.entrySet()) {
            for (var v : e.getValue().entrySet()) {
                h += e.getKey().hashCode() ^ v.getKey() ^ Arrays.hashCode(v.getValue());
            }
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        HexFormat hex = HexFormat.of();
        for (var e : banks.entrySet()) {
            sb.append(e.getKey().bankName()).append(":\n");
            for (var v : e.getValue().entrySet()) {
                sb.append("  ").append(v.getKey()).append(": ").append(hex.formatHex(v.getValue())).append('\n');
            }
        }
        return sb.toString();
    }

    public static final class Builder {
        private final Map<HashAlgorithm, SortedMap<Integer, byte[]>> banks = new EnumMap<>(HashAlgorithm.class);

        /** @throws IllegalArgumentException if the digest length does not match the bank or the index is out of range */
        public Builder put(HashAlgorithm bank, int pcr, byte[] value) {
            if (pcr < 0 || pcr >= PcrSelection.PCR_COUNT) {
                throw new IllegalArgumentException("PCR index " + pcr + " is outside 0.." + (PcrSelection.PCR_COUNT - 1));
            }
            if (value.length != bank.digestLength()) {
                throw new IllegalArgumentException("PCR " + pcr + " in bank " + bank.bankName() + " has "
                        + value.length + " bytes, expected " + bank.digestLength());
            }
            banks.computeIfAbsent(bank, k -> new TreeMap<>()).put(pcr, value.clone());
            return this;
        }

        public PcrValues build() {
            Map<HashAlgorithm, SortedMap<Integer, byte[]>> copy = new LinkedHashMap<>();
            for (var e : new EnumMap<>(banks).entrySet()) {
                copy.put(e.getKey(), Collections.unmodifiableSortedMap(new TreeMap<>(e.getValue())));
            }
            return new PcrValues(Collections.unmodifiableMap(copy));
        }
    }
}
