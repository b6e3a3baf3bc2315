package org.attestedmigration.migrationcore.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Incoming disks whose connection was lost before they completed, kept so that the same source
 * can resume into them instead of sending every chunk again.
 *
 * <p>Each incoming disk {@code DATA/incoming/NAME.raw} has a marker {@code NAME.source} naming the
 * attested host that sends it; its modification time is when the disk was parked. Only that host
 * may resume it, and only within {@link #RESUME_WINDOW}; older parked disks, and incoming files
 * without a marker, are deleted by {@link #sweep}. A parked disk is never served: only a completed
 * migration with equal digests moves a disk out of {@code incoming}.
 */
final class ParkedDisks {
    /** How long a parked disk waits for its source to come back. */
    static final Duration RESUME_WINDOW = Duration.ofHours(1);
    private static final String MARKER = ".source";
    private static final Logger LOG = Logger.getLogger(ParkedDisks.class.getName());

    private final DataDirectory data;

    ParkedDisks(DataDirectory data) {
        this.data = data;
    }

    /** The host whose disk for {@code vm} lies here, if one does. */
    Optional<String> parkedBy(String vm) throws IOException {
        Path marker = marker(vm);
        if (!Files.isRegularFile(marker) || !Files.isRegularFile(data.incomingDisk(vm))) {
            return Optional.empty();
        }
        return Optional.of(Files.readString(marker, StandardCharsets.UTF_8).strip());
    }

    /** Records which host sends the disk of {@code vm} now arriving. */
    void recordSource(String vm, String host) throws IOException {
        Files.writeString(marker(vm), host + "\n", StandardCharsets.UTF_8);
    }

    /** Starts the resume window of the disk of {@code vm}. */
    void park(String vm) throws IOException {
        Files.setLastModifiedTime(marker(vm), FileTime.from(Instant.now()));
    }

    /** The disk left {@code incoming} (completed): only the marker remains to remove. */
    void forget(String vm) throws IOException {
        Files.deleteIfExists(marker(vm));
    }

    /** Deletes the disk of {@code vm}, its journal and its marker. */
    void delete(String vm) throws IOException {
        Files.deleteIfExists(data.incomingDisk(vm));
        Files.deleteIfExists(data.incomingJournal(vm));
        Files.deleteIfExists(marker(vm));
    }

    /**
     * Deletes parked disks older than the resume window and leftovers without a marker, except
     * the ones in {@code keep} (disks arriving right now).
     */
    void sweep(java.util.Set<String> keep) {
        Instant oldest = Instant.now().minus(RESUME_WINDOW);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(data.incoming(), "*.raw")) {
            for (Path disk : files) {
                String name = disk.getFileName().toString();
                String vm = name.substring(0, name.length() - ".raw".length());
                if (keep.contains(vm)) {
                    continue;
                }
                Path marker = marker(vm);
                if (!Files.exists(marker) || Files.getLastModifiedTime(marker).toInstant().isBefore(oldest)) {
                    LOG.info("deleting the parked incoming disk of " + vm + ": no source resumed it within "
                            + RESUME_WINDOW.toMinutes() + " minutes");
                    delete(vm);
                }
            }
        } catch (IOException e) {
            LOG.warning("could not sweep " + data.incoming() + ": " + e.getMessage());
        }
    }

    private Path marker(String vm) {
        return data.incoming().resolve(vm + MARKER);
    }
}
