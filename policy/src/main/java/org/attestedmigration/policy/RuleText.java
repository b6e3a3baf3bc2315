package org.attestedmigration.policy;

import java.time.Duration;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/** Wording shared by the rules, so that every reason shows digests, names and durations alike. */
final class RuleText {
    private RuleText() {
    }

    /** Digests are shown as their first 12 hex digits: enough to tell them apart in a policy file. */
    static String hex(byte[] value) {
        return new HexValue(value).abbreviated();
    }

    static String quoted(Collection<String> names) {
        return names.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", "));
    }

    /** "(allowed: 'a' 77aa…, 'b' 9c3e…)", or that nothing is allowed when the list is empty. */
    static String allowed(List<NamedDigest> entries) {
        if (entries.isEmpty()) {
            return "(allowed: nothing, the policy's list is empty)";
        }
        return entries.stream().map(e -> "'" + e.name() + "' " + e.digest().abbreviated())
                .collect(Collectors.joining(", ", "(allowed: ", ")"));
    }

    /** "(allowed: 'a', 'b')" for entries whose digests would not help the reader. */
    static String allowedNames(List<String> names) {
        return names.isEmpty() ? "(allowed: nothing, the policy's list is empty)" : "(allowed: " + quoted(names) + ")";
    }

    /** 250ms, 42s, 1.5s, 10m, 2h: the units the policy file uses. */
    static String duration(Duration d) {
        long ms = d.toMillis();
        if (Math.abs(ms) < 1000) {
            return ms + "ms";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && Math.abs(ms) >= 600_000) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
    }

    static String hexFull(byte[] value) {
        return HexFormat.of().formatHex(value);
    }
}
