package org.attestedmigration.migrationcore.simvm;

import org.attestedmigration.migrationcore.hypervisor.VmSpec;
import org.attestedmigration.migrationcore.hypervisor.VmState;

/** A guest that runs (or ran) in its sim-vm process on this host: booted here, or resumed here after a migration. */
public final class ProcessVm extends ProcessGuest {
    private final long epoch;

    ProcessVm(VmSpec spec, GuestProcess process, long epoch) {
        super(spec, process, VmState.RUNNING);
        this.epoch = epoch;
    }

    @Override
    public long epoch() {
        return epoch;
    }
}
