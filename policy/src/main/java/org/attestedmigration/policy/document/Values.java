package org.attestedmigration.policy.document;

import java.math.BigInteger;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Typed scalar values of the document. Each method reports what it expected, at the value's
 * position, and returns empty when the value is unusable.
 */
final class Values {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern HEX = Pattern.compile("[0-9A-Fa-f]*");
    private static final int SHOWN_MAX = 40;

    private Values() {
    }

    /**
     * A string. In YAML an unquoted all-digit value (a digest, a name like 2024) is resolved to a
     * number; its literal text is what the administrator meant, so it is accepted as a string.
     * JSON has no such ambiguity: a number there is not a string.
     */
    static Optional<String> text(Node node, String label, Problems problems) {
        if (node instanceof ScalarNode s && (s.kind() == ScalarNode.Kind.STRING
                || s.fromYaml() && (s.kind() == ScalarNode.Kind.INTEGER || s.kind() == ScalarNode.Kind.DECIMAL))) {
            return Optional.of(s.text());
        }
        problems.add(node.position(), label + ": expected a string, found " + node.description());
        return Optional.empty();
    }

    static Optional<BigInteger> integer(Node node, String label, Problems problems) {
        if (node instanceof ScalarNode s && s.kind() == ScalarNode.Kind.INTEGER && s.integer() != null) {
            return Optional.of(s.integer());
        }
        problems.add(node.position(), label + ": expected an integer, found " + node.description());
        return Optional.empty();
    }

    static Optional<Boolean> bool(Node node, String label, Problems problems) {
        if (node instanceof ScalarNode s && s.kind() == ScalarNode.Kind.BOOLEAN) {
            return Optional.of(Boolean.parseBoolean(s.text()));
        }
        problems.add(node.position(), label + ": expected a boolean (true or false), found " + node.description());
        return Optional.empty();
    }

    static Optional<SequenceNode> list(Node node, String label, Problems problems) {
        if (node instanceof SequenceNode s) {
            return Optional.of(s);
        }
        String hint = node instanceof ScalarNode s && (s.kind() == ScalarNode.Kind.NULL || s.text().isEmpty()) ? " (write [] for none)" : "";
        problems.add(node.position(), label + ": expected a list, found " + node.description() + hint);
        return Optional.empty();
    }

    /** A name: 1 to 64 of A-Z a-z 0-9 . _ - (names appear in logs, messages and file names). */
    static Optional<String> name(Node node, String label, Problems problems) {
        Optional<String> text = text(node, label, problems);
        if (text.isPresent() && !NAME.matcher(text.get()).matches()) {
            problems.add(node.position(), label + ": invalid name '" + shown(text.get())
                    + "': expected 1 to 64 characters from A-Z a-z 0-9 . _ -");
            return Optional.empty();
        }
        return text;
    }

    /** Hex without separators, of any even length; the caller checks the length it needs. */
    static Optional<byte[]> hex(Node node, String label, Problems problems) {
        Optional<String> text = text(node, label, problems);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        String hex = text.get();
        if (hex.isEmpty() || !HEX.matcher(hex).matches()) {
            problems.add(node.position(), label + ": malformed hex '" + shown(hex)
                    + "': expected hex digits (0-9, a-f) without separators");
            return Optional.empty();
        }
        if (hex.length() % 2 != 0) {
            problems.add(node.position(), label + ": malformed hex: odd number of hex digits (" + hex.length() + ")");
            return Optional.empty();
        }
        return Optional.of(HexFormat.of().parseHex(hex));
    }

    /** Hex of exactly {@code length} bytes; {@code what} names the expected content. */
    static Optional<byte[]> hexOfLength(Node node, String label, int length, String what, Problems problems) {
        Optional<byte[]> bytes = hex(node, label, problems);
        if (bytes.isPresent() && bytes.get().length != length) {
            problems.add(node.position(), label + ": wrong digest length: expected " + length + " bytes (" + what + "), found "
                    + bytes.get().length + " bytes");
            return Optional.empty();
        }
        return bytes;
    }

    /** A value cut short and stripped of control characters, to quote it in a message. */
    static String shown(String value) {
        StringBuilder b = new StringBuilder();
        value.codePoints().limit(SHOWN_MAX).forEach(c -> {
            if (Character.isISOControl(c)) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return value.codePointCount(0, value.length()) > SHOWN_MAX ? b + "…" : b.toString();
    }
}
