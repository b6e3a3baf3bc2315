package org.attestedmigration.migrationcore.replication;

/** The phases of one disk's migration, in order; FAILED can follow any phase before COMPLETED. */
public enum ReplicationPhase {
    /** Created, nothing sent yet. */
    NOT_STARTED,
    /** First pass over every chunk the destination does not hold. */
    BULK_COPY,
    /** Re-sending chunks written since they were sent, round after round. */
    DIRTY_ROUNDS,
    /** Every write is forwarded (synchronously or with bounded lag). */
    MIRRORING,
    /** Writes paused, last chunks drained, digest trees compared. */
    SWITCHOVER,
    /** The destination holds an identical image; the source may detach. */
    COMPLETED,
    /** Stopped before switchover; the source keeps running on its intact image. */
    FAILED
}
