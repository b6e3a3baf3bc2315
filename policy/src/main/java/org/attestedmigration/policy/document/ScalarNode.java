package org.attestedmigration.policy.document;

import java.math.BigInteger;
import java.util.Objects;

/**
 * A scalar as written. {@code text} is the literal text, kept even for numbers because YAML
 * resolves an unquoted all-digit digest to an integer. {@code integer} is set for integers only.
 * {@code fromYaml} tells whether the writer could reasonably have meant a number as a string.
 */
public record ScalarNode(Position position, Kind kind, String text, BigInteger integer, boolean fromYaml) implements Node {
    /** The scalar types a document can hold. */
    public enum Kind {
        STRING("a string"), INTEGER("an integer"), DECIMAL("a decimal number"), BOOLEAN("a boolean"), NULL("nothing (null)");

        private final String description;

        Kind(String description) {
            this.description = description;
        }
    }

    public ScalarNode {
        Objects.requireNonNull(position, "position");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(text, "text");
    }

    @Override
    public String description() {
        if (kind == Kind.STRING && text.isEmpty()) {
            return "an empty value";
        }
        return kind.description;
    }
}
