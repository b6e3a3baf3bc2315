package org.attestedmigration.policy;

import java.util.List;

/** Hosts and keys that are never accepted again: host names, EK public key hashes or AK names. */
public record Revocations(List<String> hosts, List<HexValue> keys) {
    public static final Revocations NONE = new Revocations(List.of(), List.of());

    public Revocations {
        hosts = List.copyOf(hosts);
        keys = List.copyOf(keys);
    }
}
