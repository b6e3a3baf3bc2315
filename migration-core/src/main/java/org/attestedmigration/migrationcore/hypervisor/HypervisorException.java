package org.attestedmigration.migrationcore.hypervisor;

/** A hypervisor operation failed. Subclasses say how, and what state the VM was left in. */
public class HypervisorException extends Exception {
    private static final long serialVersionUID = 1L;

    public HypervisorException(String message) {
        super(message);
    }

    public HypervisorException(String message, Throwable cause) {
        super(message, cause);
    }
}
