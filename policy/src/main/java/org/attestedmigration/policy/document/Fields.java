package org.attestedmigration.policy.document;

import java.util.List;
import java.util.Optional;

/**
 * The keys of one mapping of the document, checked against the keys its section allows. Unknown
 * keys are reported when the view is made, missing required ones when they are asked for, so
 * that every problem of a section is found in one pass.
 */
final class Fields {
    private final MappingNode mapping;
    private final String section;
    private final Problems problems;

    private Fields(MappingNode mapping, String section, Problems problems) {
        this.mapping = mapping;
        this.section = section;
        this.problems = problems;
    }

    /**
     * A view of {@code node} if it is a mapping (else a problem naming {@code section}); keys not
     * in {@code allowed} are reported with the allowed ones.
     */
    static Optional<Fields> of(Node node, String section, List<String> allowed, Problems problems) {
        if (!(node instanceof MappingNode mapping)) {
            problems.add(node.position(), section + ": expected a mapping, found " + node.description());
            return Optional.empty();
        }
        for (MappingNode.Entry entry : mapping.entries()) {
            if (!allowed.contains(entry.key())) {
                problems.add(entry.keyPosition(), "unknown key '" + Values.shown(entry.key()) + "' in " + section
                        + ": expected one of " + String.join(", ", allowed));
            }
        }
        return Optional.of(new Fields(mapping, section, problems));
    }

    Optional<Node> optional(String key) {
        return mapping.entry(key).map(MappingNode.Entry::value);
    }

    Optional<Node> required(String key) {
        Optional<Node> value = optional(key);
        if (value.isEmpty()) {
            problems.add(mapping.position(), "missing required key '" + key + "' in " + section);
        }
        return value;
    }

    Position position() {
        return mapping.position();
    }

    String section() {
        return section;
    }
}
