package org.attestedmigration.policy;

import java.util.List;
import java.util.Objects;

/** A named set of hosts; migration rules speak of groups. */
public record GroupEntry(String name, List<String> hosts) {
    public GroupEntry {
        Objects.requireNonNull(name, "name");
        hosts = List.copyOf(hosts);
    }
}
