package org.attestedmigration.migrationcore.hypervisor;

import java.time.Duration;
import java.util.Objects;

/**
 * When pre-copy stops and how long any step may wait.
 *
 * @param precopyDeadline pre-copy stops at the latest this long after it started, converged or
 *     not, so a guest dirtying faster than the link still migrates (with a longer downtime)
 * @param convergedBytes pre-copy stops once the dirty pages are at most this many bytes: what
 *     stop-and-copy sends while the VM is paused
 * @param maxRounds pre-copy stops after this many rounds (the first round sends every page)
 * @param stalledRounds pre-copy stops after this many consecutive rounds that did not shrink the
 *     dirty set below 90 % of the round before (a hot working set the link cannot outrun)
 * @param ioTimeout a stream that moves no byte for this long is broken
 * @param stopAndCopyTimeout how long stop-and-copy (pause hook included) may take before the
 *     migration is aborted and the VM resumed on the source
 */
public record MemoryMigrationSettings(Duration precopyDeadline, long convergedBytes, int maxRounds, int stalledRounds,
                                      Duration ioTimeout, Duration stopAndCopyTimeout) {
    public MemoryMigrationSettings {
        positive(precopyDeadline, "precopyDeadline");
        positive(ioTimeout, "ioTimeout");
        positive(stopAndCopyTimeout, "stopAndCopyTimeout");
        if (convergedBytes < 0 || maxRounds < 1 || stalledRounds < 1) {
            throw new IllegalArgumentException("convergedBytes >= 0, maxRounds >= 1 and stalledRounds >= 1 are required");
        }
    }

    /** 30 s of pre-copy, 2 MiB left to stop-and-copy, 30 rounds, 3 stalled rounds, 10 s I/O, 30 s stop-and-copy. */
    public static MemoryMigrationSettings defaults() {
        return new MemoryMigrationSettings(Duration.ofSeconds(30), 2L << 20, 30, 3, Duration.ofSeconds(10), Duration.ofSeconds(30));
    }

    public MemoryMigrationSettings withPrecopyDeadline(Duration deadline) {
        return new MemoryMigrationSettings(deadline, convergedBytes, maxRounds, stalledRounds, ioTimeout, stopAndCopyTimeout);
    }

    public MemoryMigrationSettings withConvergedBytes(long bytes) {
        return new MemoryMigrationSettings(precopyDeadline, bytes, maxRounds, stalledRounds, ioTimeout, stopAndCopyTimeout);
    }

    public MemoryMigrationSettings withRounds(int max, int stalled) {
        return new MemoryMigrationSettings(precopyDeadline, convergedBytes, max, stalled, ioTimeout, stopAndCopyTimeout);
    }

    public MemoryMigrationSettings withTimeouts(Duration io, Duration stopAndCopy) {
        return new MemoryMigrationSettings(precopyDeadline, convergedBytes, maxRounds, stalledRounds, io, stopAndCopy);
    }

    private static void positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive");
        }
    }
}
