package org.attestedmigration.migrationcore.hypervisor;

/** The operation is not allowed in the VM's current state (resume twice, resume after abort, ...). */
public class VmStateException extends HypervisorException {
    private static final long serialVersionUID = 1L;
    private final VmState state;

    public VmStateException(String vm, VmState state, String operation) {
        super("VM " + vm + " is " + state + ": cannot " + operation);
        this.state = state;
    }

    protected VmStateException(String message, VmState state) {
        super(message);
        this.state = state;
    }

    /** The state the VM was in, and is still in. */
    public VmState state() {
        return state;
    }
}
