package org.attestedmigration.migrationcore.hypervisor;

/**
 * The memory migration stopped before handover (broken stream, timeout, a failing pause hook, an
 * explicit abort). On the source the VM is running again; at the destination it is destroyed.
 */
public final class MigrationAbortedException extends HypervisorException {
    private static final long serialVersionUID = 1L;

    public MigrationAbortedException(String message, Throwable cause) {
        super(message, cause);
    }
}
