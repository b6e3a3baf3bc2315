package org.attestedmigration.policy.document;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Writes a string as a YAML scalar that reads back as the same string: plain when that is
 * unambiguous, double-quoted with escapes otherwise (a plain "true", "null" or "1e3" would come
 * back as another type).
 */
public final class YamlScalars {
    private static final Pattern SAFE_PLAIN = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._/-]*");
    private static final Pattern NUMBER_LIKE = Pattern.compile("[-+]?[0-9_.]*([eE][-+]?[0-9]*)?|0[xXoObB][0-9A-Fa-f_]*|[-+]?\\.(inf|Inf|INF|nan|NaN|NAN)");
    private static final Set<String> WORDS = Set.of("true", "false", "yes", "no", "on", "off", "y", "n", "null", "~");

    private YamlScalars() {
    }

    /** The string as a scalar; hex digests that look like numbers are quoted too, for other YAML readers. */
    public static String scalar(String value) {
        if (SAFE_PLAIN.matcher(value).matches() && !NUMBER_LIKE.matcher(value).matches()
                && !WORDS.contains(value.toLowerCase(Locale.ROOT))) {
            return value;
        }
        return quoted(value);
    }

    /** Always double-quoted: for free text such as command lines. */
    public static String quoted(String value) {
        StringBuilder b = new StringBuilder("\"");
        value.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c >= 0x20 && c < 0x7f) {
                        b.append((char) c);
                    } else if (c <= 0xffff) {
                        b.append(String.format("\\u%04x", c));
                    } else {
                        b.append(String.format("\\U%08x", c));
                    }
                }
            }
        });
        return b.append('"').toString();
    }
}
