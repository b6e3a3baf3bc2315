package org.attestedmigration.migrationcore.memory;

import java.io.OutputStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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

/**
 * One simulated host's hypervisor: boots simulated VMs, sends and receives their memory. Each
 * VM's disk writes go to the {@link DiskWriter} this host gives it (its local NBD export).
 */
public final class SimHypervisor implements HypervisorAdapter {
    private final String host;
    private final Function<VmSpec, DiskWriter> disks;
    private final Duration streamIdleTimeout;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Vm> vms = new ConcurrentHashMap<>();

    /**
     * @param disks the disk of each VM that runs here (booted or resumed)
     * @param streamIdleTimeout an incoming stream that delivers nothing for this long is broken;
     *     keep it above the source's stop-and-copy timeout, during which the stream may be quiet
     */
    public SimHypervisor(String host, Function<VmSpec, DiskWriter> disks, Duration streamIdleTimeout) {
        this.host = Objects.requireNonNull(host, "host");
        this.disks = Objects.requireNonNull(disks, "disks");
        if (streamIdleTimeout.isNegative() || streamIdleTimeout.isZero()) {
            throw new IllegalArgumentException("streamIdleTimeout must be positive");
        }
        this.streamIdleTimeout = streamIdleTimeout;
    }

    /** A host whose VMs discard disk writes, with a 45 s idle timeout. */
    public static SimHypervisor withoutDisks(String host) {
        return new SimHypervisor(host, spec -> DiskWriter.NONE, Duration.ofSeconds(45));
    }

    public String host() {
        return host;
    }

    /**
     * Boots a simulated VM here, RUNNING at epoch 1.
     *
     * @throws HypervisorException a VM of that name exists here
     */
    public SimVm boot(String name, String diskExportName, SimVmOptions options) throws HypervisorException {
        VmSpec spec = options.spec(name, diskExportName);
        SimVm vm = SimVm.boot(spec, options, disks.apply(spec));
        if (vms.putIfAbsent(name, vm) != null) {
            release(vm);
            throw new HypervisorException("a VM named " + name + " exists on " + host);
        }
        return vm;
    }

    @Override
    public Optional<Vm> find(String name) {
        return Optional.ofNullable(vms.get(name)).filter(vm -> vm.state() != VmState.DESTROYED);
    }

    @Override
    public IncomingVm prepareDestination(VmSpec spec) throws HypervisorException {
        Objects.requireNonNull(spec, "spec");
        SimIncomingVm[] self = new SimIncomingVm[1];
        SimIncomingVm incoming = new SimIncomingVm(spec, streamIdleTimeout, disks.apply(spec),
                running -> vms.replace(spec.name(), self[0], running),
                () -> vms.remove(spec.name(), self[0]));
        self[0] = incoming;
        if (vms.putIfAbsent(spec.name(), incoming) != null) {
            incoming.destroy();
            throw new HypervisorException("a VM named " + spec.name() + " exists on " + host);
        }
        return incoming;
    }

    @Override
    public OutgoingMigration startMemoryMigration(Vm vm, OutputStream out, MemoryMigrationSettings settings) throws HypervisorException {
        if (!(vm instanceof SimVm sim) || vms.get(vm.spec().name()) != sim) {
            throw new HypervisorException("VM " + vm.spec().name() + " is not a simulated VM running on " + host);
        }
        return SimOutgoingMigration.start(sim, out, settings, random, () -> vms.remove(sim.spec().name(), sim));
    }

    private static void release(SimVm vm) {
        try {
            vm.release();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
