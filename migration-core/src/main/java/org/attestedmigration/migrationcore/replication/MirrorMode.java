package org.attestedmigration.migrationcore.replication;

/** How a guest write is acknowledged while mirroring. */
public enum MirrorMode {
    /** Only once the destination has it: no lag, but every write pays a round trip. */
    SYNC,
    /** At once; the writer is slowed only when the unsent backlog exceeds a bound. */
    ASYNC
}
