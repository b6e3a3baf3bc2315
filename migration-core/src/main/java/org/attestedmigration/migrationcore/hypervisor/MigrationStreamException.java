package org.attestedmigration.migrationcore.hypervisor;

/**
 * The destination read a memory stream it cannot accept: garbage, truncated, for another VM, or
 * out of order. The incoming VM is destroyed; the source was never told to stop running.
 */
public class MigrationStreamException extends HypervisorException {
    private static final long serialVersionUID = 1L;

    public MigrationStreamException(String message) {
        super(message);
    }

    public MigrationStreamException(String message, Throwable cause) {
        super(message, cause);
    }
}
