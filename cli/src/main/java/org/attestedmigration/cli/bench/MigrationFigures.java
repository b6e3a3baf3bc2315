package org.attestedmigration.cli.bench;

import java.util.List;

/** What {@code bench migration} measured; serialised as its {@code --json} output. */
public record MigrationFigures(Total total, List<Baselines.Figure> baselines, GuestWrites guestWrites, List<Downtime> downtime) {
    /**
     * An idle VM's disk migrated from one agent to the other.
     *
     * @param megabytesPerSecond disk bytes (10^6) per second of the whole migration, attested handshake included
     * @param switchoverPauseMs  how long the disk's writes were paused for the switchover
     */
    public record Total(long diskBytes, long totalMs, long bytesSent, double megabytesPerSecond, long switchoverPauseMs) {
    }

    /**
     * The simulated guest's disk write throughput, 4 KiB writes at random offsets, offered at
     * {@code offeredWritesPerSecond}.
     */
    public record GuestWrites(long diskBytes, long offeredWritesPerSecond, Throughput none, Throughput sync, Throughput async) {
    }

    /**
     * One guest write measurement.
     *
     * @param mode               {@code none} (no migration), {@code sync} or {@code async}
     * @param seconds            the window: the sample, or from the migration request to its outcome
     * @param megabytesPerSecond bytes (10^6) the guest wrote per second in that window
     * @param migrationMs        the migration's duration, 0 without one
     * @param downtimeMs         the guest's downtime, 0 without a migration
     */
    public record Throughput(String mode, double seconds, long writes, double megabytesPerSecond, long migrationMs, long downtimeMs) {
    }

    /**
     * A VM with a guest dirtying its memory, migrated with SYNC mirroring.
     *
     * @param downtimeMs         from the guest's pause at the source to its resume at the destination
     * @param pausedSendingMs    of which the source's part: the disk switchover and the last pages
     * @param diskSwitchoverMs   of which the disk's switchover
     */
    public record Downtime(int memoryMib, long dirtyMiBps, long diskBytes, long downtimeMs, long pausedSendingMs, long diskSwitchoverMs,
            int precopyRounds, String convergence, long memoryBytesSent, long totalMs) {
    }
}
