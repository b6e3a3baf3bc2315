package org.attestedmigration.policy;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import org.attestedmigration.attestation.HashAlgorithm;

/**
 * What measured software is acceptable: per-PCR allowlists (each PCR's value must be one of its
 * list) and event-level launch rules, in one PCR bank.
 */
public record MeasurementRules(HashAlgorithm bank, SortedMap<Integer, List<NamedDigest>> pcrs, LaunchRules launch) {
    public MeasurementRules {
        Objects.requireNonNull(bank, "bank");
        Objects.requireNonNull(launch, "launch");
        TreeMap<Integer, List<NamedDigest>> copy = new TreeMap<>();
        for (Map.Entry<Integer, List<NamedDigest>> e : pcrs.entrySet()) {
            copy.put(e.getKey(), List.copyOf(e.getValue()));
        }
        pcrs = java.util.Collections.unmodifiableSortedMap(copy);
    }
}
