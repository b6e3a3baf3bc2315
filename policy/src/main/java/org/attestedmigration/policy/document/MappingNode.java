package org.attestedmigration.policy.document;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A mapping in document order; keys are unique (the reader reports and drops duplicates). */
public record MappingNode(Position position, List<Entry> entries) implements Node {
    /** One key and its value, with the key's own position for "unknown key" messages. */
    public record Entry(String key, Position keyPosition, Node value) {
        public Entry {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(keyPosition, "keyPosition");
            Objects.requireNonNull(value, "value");
        }
    }

    public MappingNode {
        Objects.requireNonNull(position, "position");
        entries = List.copyOf(entries);
    }

    public Optional<Entry> entry(String key) {
        return entries.stream().filter(e -> e.key().equals(key)).findFirst();
    }

    @Override
    public String description() {
        return "a mapping";
    }
}
