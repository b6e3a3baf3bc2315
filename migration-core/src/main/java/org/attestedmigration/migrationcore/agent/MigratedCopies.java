package org.attestedmigration.migrationcore.agent;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The copies a source keeps of the disks of VMs that migrated away ({@code NAME.raw.migrated-STAMP}),
 * and their removal once an administrator's grace period ({@code keepMigratedCopies}) is over. The
 * stamp in the name is when the VM left, so a restart does not extend or shorten the period.
 */
final class MigratedCopies {
    private static final Logger LOG = Logger.getLogger(MigratedCopies.class.getName());
    static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT);
    private static final Pattern KEPT = Pattern.compile(".+\\.raw\\.migrated-(\\d{8}T\\d{6}Z)(-\\d+)?");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})([smhd])");

    private MigratedCopies() {
    }

    /**
     * Parses a grace period: {@code 0} (delete at once), or a number with {@code s}, {@code m},
     * {@code h} or {@code d}.
     *
     * @throws IllegalArgumentException anything else, with what is expected
     */
    static Duration parseGracePeriod(String text) {
        String t = text.strip();
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a grace period (e.g. 30m, 24h, 7d; 0 deletes at once)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** When the VM whose copy {@code file} is left, if the name is a kept copy's. */
    static Optional<Instant> leftAt(Path file) {
        Matcher m = KEPT.matcher(file.getFileName().toString());
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDateTime.parse(m.group(1), STAMP).toInstant(ZoneOffset.UTC));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** Deletes the kept copies in {@code directories} whose grace period ended before {@code now}. */
    static void sweep(Collection<Path> directories, Duration keepFor, Instant now) {
        for (Path dir : directories) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.raw.migrated-*")) {
                for (Path f : files) {
                    Optional<Instant> left = leftAt(f);
                    if (left.isPresent() && !left.get().plus(keepFor).isAfter(now)) {
                        Files.deleteIfExists(f);
                        LOG.info("deleted " + f + ": its VM left more than " + keepFor + " ago (keepMigratedCopies)");
                    }
                }
            } catch (IOException e) {
                LOG.warning("could not sweep kept copies in " + dir + ": " + e.getMessage());
            }
        }
    }
}
