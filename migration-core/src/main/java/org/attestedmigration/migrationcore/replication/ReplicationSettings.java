package org.attestedmigration.migrationcore.replication;

import java.time.Duration;
import java.util.Objects;

/**
 * Tunables of one disk's replication.
 *
 * @param mirrorMode how writes are acknowledged while mirroring
 * @param maxInFlightBytes chunk bytes sent but not yet acknowledged, bounding memory and queueing
 * @param convergedBytes dirty bytes small enough to stop re-copy rounds and start mirroring
 * @param convergenceDeadline time after which re-copy rounds stop whatever the dirty set
 * @param throttleWrites whether a dirty set that stops shrinking throttles guest writes
 * @param minWriteRate the throttle never goes below this (bytes/s), so the guest keeps running
 * @param maxAsyncLagBytes unsent dirty bytes allowed in ASYNC mirroring before writers wait
 * @param checkpointInterval how often progress is made durable in the journals
 * @param switchoverTimeout how long the paused switchover may take to drain and verify
 */
public record ReplicationSettings(MirrorMode mirrorMode, long maxInFlightBytes, long convergedBytes,
        Duration convergenceDeadline, boolean throttleWrites, long minWriteRate, long maxAsyncLagBytes,
        Duration checkpointInterval, Duration switchoverTimeout) {

    public ReplicationSettings {
        Objects.requireNonNull(mirrorMode, "mirrorMode");
        Objects.requireNonNull(convergenceDeadline, "convergenceDeadline");
        Objects.requireNonNull(checkpointInterval, "checkpointInterval");
        Objects.requireNonNull(switchoverTimeout, "switchoverTimeout");
        if (maxInFlightBytes <= 0 || maxInFlightBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("maxInFlightBytes out of range: " + maxInFlightBytes);
        }
        if (convergedBytes < 0 || minWriteRate <= 0 || maxAsyncLagBytes <= 0) {
            throw new IllegalArgumentException("byte limits must be positive");
        }
        if (checkpointInterval.isNegative() || checkpointInterval.isZero()) {
            throw new IllegalArgumentException("checkpointInterval must be positive");
        }
    }

    /** Defaults for a LAN: 16 MiB in flight, converge at 8 MiB, one minute of rounds. */
    public static ReplicationSettings defaults(MirrorMode mode) {
        return new ReplicationSettings(mode, 16L << 20, 8L << 20, Duration.ofMinutes(1), true,
                1L << 20, 32L << 20, Duration.ofSeconds(2), Duration.ofSeconds(60));
    }

    public ReplicationSettings withMirrorMode(MirrorMode mode) {
        return new ReplicationSettings(mode, maxInFlightBytes, convergedBytes, convergenceDeadline,
                throttleWrites, minWriteRate, maxAsyncLagBytes, checkpointInterval, switchoverTimeout);
    }

    public ReplicationSettings withConvergence(long convergedBytes, Duration deadline, boolean throttle) {
        return new ReplicationSettings(mirrorMode, maxInFlightBytes, convergedBytes, deadline, throttle,
                minWriteRate, maxAsyncLagBytes, checkpointInterval, switchoverTimeout);
    }

    public ReplicationSettings withAsyncLag(long bytes) {
        return new ReplicationSettings(mirrorMode, maxInFlightBytes, convergedBytes, convergenceDeadline,
                throttleWrites, minWriteRate, bytes, checkpointInterval, switchoverTimeout);
    }

    public ReplicationSettings withCheckpointInterval(Duration interval) {
        return new ReplicationSettings(mirrorMode, maxInFlightBytes, convergedBytes, convergenceDeadline,
                throttleWrites, minWriteRate, maxAsyncLagBytes, interval, switchoverTimeout);
    }
}
