package org.attestedmigration.migrationcore.replication;

/** Receives progress snapshots; called from replication threads, so it must be quick. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = p -> { };

    void progress(ReplicationProgress progress);
}
