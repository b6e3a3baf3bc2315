package org.attestedmigration.migrationcore.simvm;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.attestedmigration.migrationcore.hypervisor.HypervisorAdapter;
import org.attestedmigration.migrationcore.hypervisor.HypervisorException;
import org.attestedmigration.migrationcore.hypervisor.IncomingVm;
import org.attestedmigration.migrationcore.hypervisor.MemoryMigrationSettings;
import org.attestedmigration.migrationcore.hypervisor.OutgoingMigration;
import org.attestedmigration.migrationcore.hypervisor.Vm;
import org.attestedmigration.migrationcore.hypervisor.VmSpec;
import org.attestedmigration.migrationcore.hypervisor.VmState;
import org.attestedmigration.migrationcore.memory.SimVmOptions;

/**
 * A hypervisor whose guests are sim-vm processes, driven over their control sockets the way a
 * QEMU adapter drives QEMU over QMP: {@code migrate-out} to a unix socket this side listens on
 * (QEMU: {@code migrate unix:PATH}), a process started {@code --incoming} that reads from one
 * (QEMU: {@code -incoming unix:PATH}). Same semantics and fencing as the in-process
 * {@link org.attestedmigration.migrationcore.memory.SimHypervisor}; the guest's process is the
 * guest, so a process that died is a destroyed VM.
 *
 * <p>Files, per VM NAME, in {@code directory}: {@code NAME.sim-vm.sock} (control),
 * {@code NAME.sim-vm.log} (the process's output), {@code NAME.mem.sock} (a memory stream).
 */
public final class ProcessHypervisor implements HypervisorAdapter, AutoCloseable {
    private final Path directory;
    private final Function<String, Path> diskSockets;
    private final Map<String, ProcessGuest> vms = new ConcurrentHashMap<>();

    /**
     * @param directory where control sockets, logs and memory stream sockets go
     * @param diskSockets the NBD socket of each VM's disk on this host
     */
    public ProcessHypervisor(Path directory, Function<String, Path> diskSockets) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.diskSockets = Objects.requireNonNull(diskSockets, "diskSockets");
    }

    /**
     * Boots a guest in a new process, RUNNING at epoch 1, writing its disk through the NBD export.
     *
     * @throws HypervisorException a VM of that name exists here, or the process did not start
     */
    public ProcessVm boot(String name, String diskExportName, SimVmOptions options) throws HypervisorException, InterruptedException {
        VmSpec spec = options.spec(name, diskExportName);
        reserve(name);
        try {
            GuestProcess p = GuestProcess.launch(new SimVmCommandLine(name, control(name), diskSockets.apply(name), diskExportName, false,
                    OptionalLong.empty(), options), log(name));
            ProcessVm vm = new ProcessVm(spec, p, 1);
            vms.put(name, vm);
            return vm;
        } catch (HypervisorException | InterruptedException | RuntimeException e) {
            // The name is free again, whatever stopped the start.
            vms.remove(name, RESERVED);
            throw e;
        }
    }

    @Override
    public Optional<Vm> find(String name) {
        ProcessGuest g = vms.get(name);
        return g == null || g == RESERVED || g.state() == VmState.DESTROYED ? Optional.empty() : Optional.of(g);
    }

    @Override
    public IncomingVm prepareDestination(VmSpec spec) throws HypervisorException {
        if (spec.memoryBytes() % (1 << 20) != 0) {
            throw new HypervisorException("a sim-vm process takes whole MiB of memory, not " + spec.memoryBytes() + " bytes");
        }
        String name = spec.name();
        SimVmOptions options = SimVmOptions.defaults().withMemoryMib((int) (spec.memoryBytes() >> 20));
        reserve(name);
        try {
            GuestProcess p = GuestProcess.launch(new SimVmCommandLine(name, control(name), null, spec.diskExportName(), true,
                    OptionalLong.empty(), options), log(name));
            ProcessIncomingVm[] self = new ProcessIncomingVm[1];
            self[0] = new ProcessIncomingVm(spec, p, directory.resolve(name + ".mem.sock"), diskSockets.apply(name),
                    running -> vms.replace(name, self[0], running), () -> vms.remove(name, self[0]));
            vms.put(name, self[0]);
            return self[0];
        } catch (InterruptedException e) {
            vms.remove(name, RESERVED);
            Thread.currentThread().interrupt();
            throw new HypervisorException("interrupted while starting the guest process of " + name, e);
        } catch (HypervisorException | RuntimeException e) {
            vms.remove(name, RESERVED);
            throw e;
        }
    }

    @Override
    public OutgoingMigration startMemoryMigration(Vm vm, OutputStream out, MemoryMigrationSettings settings) throws HypervisorException {
        String name = vm.spec().name();
        if (!(vm instanceof ProcessVm pv) || vms.get(name) != pv) {
            throw new HypervisorException("VM " + name + " is not a guest process running on this host");
        }
        try {
            return ProcessOutgoingMigration.start(pv, out, settings, directory.resolve(name + ".mem.sock"), () -> vms.remove(name, pv));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HypervisorException("interrupted while starting the memory migration of " + name, e);
        }
    }

    /** Where the process of {@code vm} logs. */
    public Path log(String vm) {
        return directory.resolve(vm + ".sim-vm.log");
    }

    private Path control(String vm) {
        return directory.resolve(vm + ".sim-vm.sock");
    }

    /** Claims the name while its process starts, so two starts cannot race. */
    private void reserve(String name) throws HypervisorException {
        ProcessGuest existing = vms.get(name);
        if (existing != null && existing != RESERVED && !existing.process().alive()) {
            vms.remove(name, existing);
        }
        if (vms.putIfAbsent(name, RESERVED) != null) {
            throw new HypervisorException("a VM named " + name + " exists on this host");
        }
    }

    /** Stops every guest process (agent shutdown): guests do not outlive their agent. */
    @Override
    public void close() {
        for (ProcessGuest g : vms.values()) {
            if (g != RESERVED) {
                g.process().close();
            }
        }
        vms.clear();
    }

    /** A placeholder while a process starts. */
    private static final ProcessGuest RESERVED = new ProcessGuest(VmSpec.ofMib("reserved", 1, "none"), null, VmState.DESTROYED) {
        @Override
        public long epoch() {
            return 0;
        }
    };
}
