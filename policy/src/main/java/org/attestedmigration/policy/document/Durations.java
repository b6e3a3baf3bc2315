package org.attestedmigration.policy.document;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as a policy writes them: a positive integer and a unit, ms, s, m or h ("60s", "10m"). */
public final class Durations {
    private static final Pattern FORMAT = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");

    private Durations() {
    }

    static Optional<Duration> parse(Node node, String label, Problems problems) {
        String expected = "expected a positive integer followed by ms, s, m or h (e.g. 60s)";
        if (!(node instanceof ScalarNode s) || s.kind() != ScalarNode.Kind.STRING) {
            problems.add(node.position(), label + ": malformed duration: " + expected + ", found " + node.description());
            return Optional.empty();
        }
        Matcher m = FORMAT.matcher(s.text());
        if (!m.matches()) {
            problems.add(node.position(), label + ": malformed duration '" + Values.shown(s.text()) + "': " + expected);
            return Optional.empty();
        }
        long amount = Long.parseLong(m.group(1));
        if (amount == 0) {
            problems.add(node.position(), label + ": malformed duration '" + s.text() + "': " + expected);
            return Optional.empty();
        }
        return Optional.of(switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        });
    }

    /** The shortest exact spelling in the largest unit that divides it; sub-millisecond parts are dropped. */
    public static String format(Duration duration) {
        long ms = duration.toMillis();
        if (ms > 0 && ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms > 0 && ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms > 0 && ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
