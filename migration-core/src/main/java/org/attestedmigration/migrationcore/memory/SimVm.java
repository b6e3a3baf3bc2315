package org.attestedmigration.migrationcore.memory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.attestedmigration.migrationcore.hypervisor.Vm;
import org.attestedmigration.migrationcore.hypervisor.VmLifecycle;
import org.attestedmigration.migrationcore.hypervisor.VmSpec;
import org.attestedmigration.migrationcore.hypervisor.VmState;
import org.attestedmigration.migrationcore.hypervisor.VmStateException;
import org.attestedmigration.migrationcore.replication.WriteGate;

/**
 * A simulated VM: guest memory, a guest thread that dirties it at the configured rate and one that
 * writes the disk through a {@link DiskWriter}. Pausing stops both between two steps; after a
 * pause memory and CPU state are stable.
 */
public final class SimVm implements Vm {
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private final VmSpec spec;
    private final GuestMemory memory;
    private final VmLifecycle lifecycle;
    private final long epoch;
    private final SimVmOptions program;
    /** The vCPUs: closed while the guest is paused. */
    private final WriteGate vcpu = new WriteGate();
    private final MemoryWorkload memoryWorkload;
    private final DiskWorkload diskWorkload;
    private final List<RatedLoop> threads = new ArrayList<>();

    private SimVm(VmSpec spec, GuestMemory memory, CpuState cpu, long epoch, VmLifecycle lifecycle, DiskWriter disk) {
        this.spec = spec;
        this.memory = memory;
        this.epoch = epoch;
        this.lifecycle = lifecycle;
        this.program = cpu.program();
        this.memoryWorkload = new MemoryWorkload(memory, program.pattern(), program.hotSetFraction(), cpu.memoryRng(), cpu.pagesDirtied());
        this.diskWorkload = new DiskWorkload(disk, program.diskWriteBytes(), program.diskSizeBytes(), cpu.diskRng(), cpu.diskWrites());
        if (program.dirtyPagesPerSecond() > 0) {
            threads.add(new RatedLoop("sim-vm-" + spec.name() + "-memory", program.dirtyPagesPerSecond(), vcpu, memoryWorkload));
        }
        if (program.diskWritesPerSecond() > 0) {
            threads.add(new RatedLoop("sim-vm-" + spec.name() + "-disk", program.diskWritesPerSecond(), vcpu, diskWorkload));
        }
        threads.forEach(RatedLoop::start);
    }

    /** Boots a fresh VM (epoch 1, RUNNING): {@code initialFill} of its pages get data, the rest stay zero. */
    static SimVm boot(VmSpec spec, SimVmOptions options, DiskWriter disk) {
        if (spec.memoryBytes() != (long) options.memoryMib() << 20) {
            throw new IllegalArgumentException("the spec's memory and the options' memory differ");
        }
        GuestMemory memory = new GuestMemory(spec.pageCount());
        long seed = Xorshift.seed(options.seed());
        for (int p = 0; p < memory.pageCount(); p++) {
            seed = Xorshift.next(seed);
            if ((seed >>> 11) * 0x1.0p-53 < options.initialFill()) {
                memory.fill(p, seed);
            }
        }
        CpuState cpu = new CpuState(Xorshift.seed(seed), 0, Xorshift.seed(~seed), 0, options);
        return new SimVm(spec, memory, cpu, 1, new VmLifecycle(spec.name(), VmState.RUNNING), Objects.requireNonNull(disk));
    }

    /** The guest of an incoming VM, started where the source paused it; the lifecycle is RUNNING already. */
    static SimVm resumed(VmSpec spec, GuestMemory memory, CpuState cpu, long epoch, VmLifecycle lifecycle, DiskWriter disk) {
        return new SimVm(spec, memory, cpu, epoch, lifecycle, disk);
    }

    @Override
    public VmSpec spec() {
        return spec;
    }

    @Override
    public VmState state() {
        return lifecycle.state();
    }

    @Override
    public long epoch() {
        return epoch;
    }

    /**
     * The memory digest of the stream ({@code SHA-256} over page hashes and CPU state), computed
     * from scratch. Only meaningful while the guest does not execute.
     *
     * @throws VmStateException it executes, or it is destroyed
     */
    public byte[] digest() throws VmStateException {
        VmState s = lifecycle.state();
        if (s.executes() || s == VmState.DESTROYED) {
            throw new VmStateException(spec.name(), s, "take a stable memory digest");
        }
        return MemoryDigest.of(memory.pageHashes(), cpuState().encode());
    }

    /** Pages the guest has dirtied since boot, across migrations (approximate while it runs). */
    public long pagesDirtied() {
        return memoryWorkload.pagesDirtied();
    }

    /** Disk writes the guest completed since boot, across migrations (approximate while it runs). */
    public long diskWrites() {
        return diskWorkload.writes();
    }

    /** Disk writes that failed on this host. */
    public long diskWriteFailures() {
        return diskWorkload.failures();
    }

    /** Stops the guest for good. RUNNING → DESTROYED. */
    public void shutdown() throws VmStateException, InterruptedException {
        lifecycle.move(VmState.RUNNING, VmState.DESTROYED, "shut down");
        release();
    }

    GuestMemory memory() {
        return memory;
    }

    VmLifecycle lifecycle() {
        return lifecycle;
    }

    SimVmOptions program() {
        return program;
    }

    /** Stops the vCPUs between steps; memory and CPU state are stable afterwards. */
    void pauseGuest() throws InterruptedException {
        vcpu.pause();
    }

    void resumeGuest() {
        vcpu.resume();
    }

    /** The CPU state; stable only while paused. */
    CpuState cpuState() {
        return new CpuState(memoryWorkload.rng(), memoryWorkload.pagesDirtied(), diskWorkload.rng(), diskWorkload.writes(), program);
    }

    /** Ends the guest threads and drops the memory. */
    void release() throws InterruptedException {
        for (RatedLoop t : threads) {
            t.stop(STOP_WAIT);
        }
        memory.release();
    }
}
