package org.attestedmigration.policy.document;

import java.util.List;
import java.util.Objects;

/** A list in document order. */
public record SequenceNode(Position position, List<Node> items) implements Node {
    public SequenceNode {
        Objects.requireNonNull(position, "position");
        items = List.copyOf(items);
    }

    @Override
    public String description() {
        return "a list";
    }
}
