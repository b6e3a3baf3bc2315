package org.attestedmigration.migrationcore.replication;

/**
 * A replication failed. Whatever the cause, the source image was only read and the VM can keep
 * running on it.
 */
public class ReplicationException extends Exception {
    private static final long serialVersionUID = 1L;
    private final ReplicationPhase phase;

    public ReplicationException(ReplicationPhase phase, String message, Throwable cause) {
        super(phase + ": " + message, cause);
        this.phase = phase;
    }

    /** The phase that was running when it failed. */
    public ReplicationPhase phase() {
        return phase;
    }
}
