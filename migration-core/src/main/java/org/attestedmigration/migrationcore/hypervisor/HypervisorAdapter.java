package org.attestedmigration.migrationcore.hypervisor;

import java.io.OutputStream;
import java.util.Optional;

/**
 * One host's hypervisor, as migration sees it. Streams are plain byte streams so they can travel
 * on a stream of the attested channel, a socket or a pipe; the adapter owns a stream once given
 * one and closes it when done.
 */
public interface HypervisorAdapter {
    /** A VM on this host, in any state but destroyed. */
    Optional<Vm> find(String name);

    /**
     * Allocates an incoming VM, in state PREPARED, that runs nothing until handed over.
     *
     * @throws HypervisorException a VM of that name exists here, or resources are missing
     */
    IncomingVm prepareDestination(VmSpec spec) throws HypervisorException;

    /**
     * Starts pre-copy of a running VM's memory onto {@code out}. RUNNING → MIGRATING.
     *
     * @throws VmStateException the VM is not RUNNING (already migrating, handed over, ...)
     */
    OutgoingMigration startMemoryMigration(Vm vm, OutputStream out, MemoryMigrationSettings settings) throws HypervisorException;
}
