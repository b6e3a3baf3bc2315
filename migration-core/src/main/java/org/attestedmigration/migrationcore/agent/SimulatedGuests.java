package org.attestedmigration.migrationcore.agent;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.function.Predicate;
import org.attestedmigration.migrationcore.hypervisor.HypervisorAdapter;
import org.attestedmigration.migrationcore.hypervisor.HypervisorException;
import org.attestedmigration.migrationcore.hypervisor.IncomingVm;
import org.attestedmigration.migrationcore.hypervisor.MemoryMigrationSettings;
import org.attestedmigration.migrationcore.hypervisor.OutgoingMigration;
import org.attestedmigration.migrationcore.hypervisor.Vm;
import org.attestedmigration.migrationcore.hypervisor.VmSpec;
import org.attestedmigration.migrationcore.hypervisor.VmState;
import org.attestedmigration.migrationcore.memory.DiskWriter;
import org.attestedmigration.migrationcore.memory.SimHypervisor;
import org.attestedmigration.migrationcore.memory.SimVm;
import org.attestedmigration.migrationcore.simvm.ProcessHypervisor;
import org.attestedmigration.migrationcore.simvm.ProcessVm;

/**
 * The simulated guests of this agent's VMs: in its own JVM on a {@link SimHypervisor}, or, for a
 * VM configured with {@code process: true}, each in a sim-vm process on a {@link ProcessHypervisor}
 * (driven like a QEMU process would be). Either way a guest writes its disk through the NBD export
 * this agent serves under the VM's name, as a QEMU guest would: so its writes during a migration
 * are gated, tracked and mirrored like any other, and a guest resumed here after a migration
 * writes the disk that arrived with it.
 */
final class SimulatedGuests implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SimulatedGuests.class.getName());
    /** Above the source's stop-and-copy timeout (30 s), during which the memory stream may be quiet. */
    private static final Duration STREAM_IDLE = Duration.ofSeconds(45);

    private final SimHypervisor hypervisor;
    private final ProcessHypervisor processes;
    /** Whether a VM's guest runs as a process here (its configuration says {@code process: true}). */
    private final Predicate<String> asProcess;
    /** Every name a guest ever had here, so that shutdown can find them (the hypervisor lists none). */
    private final java.util.Set<String> names = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The memory migration of each guest leaving now, for its outcome's figures. */
    private final java.util.Map<String, RecordedMemoryMigration> leaving = new java.util.concurrent.ConcurrentHashMap<>();

    SimulatedGuests(String host, VmInventory inventory, DataDirectory data, Predicate<String> asProcess) {
        this.hypervisor = new SimHypervisor(host, spec -> servedDisk(inventory, data, spec.name()), STREAM_IDLE);
        this.processes = new ProcessHypervisor(data.vms(), data::socket);
        this.asProcess = asProcess;
    }

    /** Through the VM's NBD export, whichever disk this agent serves under its name at the time of the write. */
    private static DiskWriter servedDisk(VmInventory inventory, DataDirectory data, String vm) {
        return new NbdDiskWriter(vm, data.socket(vm), () -> inventory.isServed(vm));
    }

    /** Boots the guest of a VM whose disk is served here. */
    void boot(ServedVm vm, SimulatedVmSettings settings) throws HypervisorException, InterruptedException {
        names.add(vm.name());
        if (settings.process()) {
            processes.boot(vm.name(), ServedVm.EXPORT_NAME, settings.options(vm.image().size()));
            LOG.info("VM " + vm.name() + ": simulated guest with " + settings.memoryMib() + " MiB booted as a process (log "
                    + processes.log(vm.name()) + ")");
            return;
        }
        hypervisor.boot(vm.name(), ServedVm.EXPORT_NAME, settings.options(vm.image().size()));
        LOG.info("VM " + vm.name() + ": simulated guest with " + settings.memoryMib() + " MiB booted");
    }

    /** The guest of {@code vm} if one runs here (paused counts: it is still this host's). */
    Optional<Vm> find(String vm) {
        return hypervisor.find(vm).or(() -> processes.find(vm));
    }

    /** For {@code status}: the guest's state in lower case, or null for a VM without a guest here. */
    String state(String vm) {
        return find(vm).map(g -> g.state().name().toLowerCase(Locale.ROOT)).orElse(null);
    }

    /** For {@code status}: the disk writes the guest completed (across migrations), or null for a VM without a guest here. */
    Long diskWrites(String vm) {
        Optional<Vm> guest = find(vm);
        if (guest.isPresent() && guest.get() instanceof ProcessVm p) {
            return p.diskWrites();
        }
        return guest.filter(g -> g instanceof SimVm).map(g -> ((SimVm) g).diskWrites()).orElse(null);
    }

    /** An empty guest of {@code memoryMib} that receives the memory of an arriving VM. */
    IncomingVm prepare(String vm, int memoryMib) throws HypervisorException {
        names.add(vm);
        VmSpec spec = VmSpec.ofMib(vm, memoryMib, ServedVm.EXPORT_NAME);
        return asProcess.test(vm) ? processes.prepareDestination(spec) : hypervisor.prepareDestination(spec);
    }

    OutgoingMigration startMemoryMigration(Vm vm, OutputStream out) throws HypervisorException {
        HypervisorAdapter adapter = vm instanceof ProcessVm ? processes : hypervisor;
        RecordedMemoryMigration migration = new RecordedMemoryMigration(adapter.startMemoryMigration(vm, out,
                MemoryMigrationSettings.defaults()));
        leaving.put(vm.spec().name(), migration);
        return migration;
    }

    /**
     * The figures of the last memory migration of {@code vm} started here, if its guest was handed
     * over; forgets them either way.
     */
    Optional<MemoryReport> takeMemoryReport(String vm) {
        RecordedMemoryMigration migration = leaving.remove(vm);
        return migration == null ? Optional.empty() : migration.report();
    }

    /** Stops the guests that run here (agent shutdown): simulated guests do not outlive their agent. */
    @Override
    public void close() {
        for (String name : names) {
            hypervisor.find(name).ifPresent(vm -> {
                try {
                    if (vm instanceof org.attestedmigration.migrationcore.memory.SimVm sim && vm.state() == VmState.RUNNING) {
                        sim.shutdown();
                    } else if (vm instanceof IncomingVm incoming) {
                        incoming.destroy();
                    }
                } catch (HypervisorException e) {
                    LOG.info("guest " + name + " not stopped: " + e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        processes.close();
    }
}
