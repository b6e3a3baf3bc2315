package org.attestedmigration.migrationcore.hypervisor;

/** A VM known to one host's hypervisor adapter. */
public interface Vm {
    VmSpec spec();

    VmState state();

    /**
     * How many times this VM has been handed over, plus one: a VM started fresh is at epoch 1 and
     * the destination of a migration runs at the source's epoch + 1. A stream or token for
     * another epoch is refused.
     */
    long epoch();
}
