package org.attestedmigration.policy;

import java.util.Objects;

/** VMs may move from hosts of group {@code from} to hosts of group {@code to}; not the reverse unless stated too. */
public record MigrationRule(String from, String to) {
    public MigrationRule {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
    }
}
