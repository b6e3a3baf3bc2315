package org.attestedmigration.migrationcore.memory;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Consumer;
import org.attestedmigration.migrationcore.hypervisor.FencingException;
import org.attestedmigration.migrationcore.hypervisor.HandoverToken;
import org.attestedmigration.migrationcore.hypervisor.HypervisorException;
import org.attestedmigration.migrationcore.hypervisor.IncomingVm;
import org.attestedmigration.migrationcore.hypervisor.MemoryReceipt;
import org.attestedmigration.migrationcore.hypervisor.MigrationStreamException;
import org.attestedmigration.migrationcore.hypervisor.ResumeResult;
import org.attestedmigration.migrationcore.hypervisor.VmLifecycle;
import org.attestedmigration.migrationcore.hypervisor.VmSpec;
import org.attestedmigration.migrationcore.hypervisor.VmState;
import org.attestedmigration.migrationcore.hypervisor.VmStateException;

/**
 * The destination side of a simulated VM's migration: memory that fills from the stream, and a
 * guest that starts only with the handover token that opens the commitment the stream carried.
 */
final class SimIncomingVm implements IncomingVm {
    private final VmSpec spec;
    private final VmLifecycle lifecycle;
    private final GuestMemory memory;
    private final Duration idleTimeout;
    private final DiskWriter disk;
    private final Consumer<SimVm> onRunning;
    private final Runnable onDestroyed;
    private volatile MemoryReceiver.Received received;
    private volatile InputStream stream;

    SimIncomingVm(VmSpec spec, Duration idleTimeout, DiskWriter disk, Consumer<SimVm> onRunning, Runnable onDestroyed) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.lifecycle = new VmLifecycle(spec.name(), VmState.PREPARED);
        this.memory = new GuestMemory(spec.pageCount());
        this.idleTimeout = idleTimeout;
        this.disk = disk;
        this.onRunning = onRunning;
        this.onDestroyed = onDestroyed;
    }

    @Override
    public VmSpec spec() {
        return spec;
    }

    @Override
    public VmState state() {
        return lifecycle.state();
    }

    /** The epoch the stream announced, or 0 before its header arrived. */
    @Override
    public long epoch() {
        MemoryReceiver.Received r = received;
        return r == null ? 0 : r.epoch();
    }

    @Override
    public MemoryReceipt receiveMemory(InputStream in) throws HypervisorException {
        Objects.requireNonNull(in, "in");
        lifecycle.move(VmState.PREPARED, VmState.RECEIVING, "receive memory");
        stream = in;
        MonitoredStreams.In monitored = new MonitoredStreams.In(in);
        Thread reader = Thread.currentThread();
        StallWatchdog watchdog = StallWatchdog.start("memory-receive-watchdog-" + spec.name(), idleTimeout, monitored, () -> {
            closeQuietly(in);
            reader.interrupt();
        });
        try {
            MemoryReceiver.Received r = new MemoryReceiver(spec, memory).receive(new DataInputStream(new BufferedInputStream(monitored, 256 * 1024)));
            received = r;
            lifecycle.move(VmState.RECEIVING, VmState.RECEIVED, "finish receiving memory");
            return new MemoryReceipt(spec.name(), r.epoch(), r.digest(), r.sourcePausedAt());
        } catch (HypervisorException | RuntimeException e) {
            destroyAfterFailure();
            if (watchdog.fired()) {
                throw new MigrationStreamException("the memory stream moved no byte for " + idleTimeout, e);
            }
            if (e instanceof HypervisorException h) {
                throw h;
            }
            throw new MigrationStreamException("the memory stream could not be applied: " + e, e);
        } finally {
            watchdog.close();
            closeQuietly(in);
            if (watchdog.fired()) {
                Thread.interrupted();
            }
        }
    }

    /** The digest of this host's memory and the received CPU state, hashed from scratch (tests). */
    byte[] digestFromScratch() {
        return MemoryDigest.of(memory.pageHashes(), received.cpu().encode());
    }

    @Override
    public synchronized ResumeResult resume(HandoverToken token) throws HypervisorException {
        Objects.requireNonNull(token, "token");
        VmState s = lifecycle.state();
        if (s != VmState.RECEIVED) {
            throw new VmStateException(spec.name(), s, "resume");
        }
        MemoryReceiver.Received r = received;
        if (!token.vmName().equals(spec.name()) || token.epoch() != r.epoch() || !token.opens(r.commitment())) {
            throw new FencingException(spec.name(), s, "the handover token does not open the source's commitment for epoch " + r.epoch());
        }
        lifecycle.move(VmState.RECEIVED, VmState.RUNNING, "resume");
        SimVm vm = SimVm.resumed(spec, memory, r.cpu(), r.epoch(), lifecycle, disk);
        Instant now = Instant.now();
        onRunning.accept(vm);
        return new ResumeResult(r.epoch(), now, Duration.between(r.sourcePausedAt(), now));
    }

    @Override
    public synchronized void destroy() throws VmStateException {
        VmState s = lifecycle.state();
        if (s == VmState.RUNNING) {
            throw new VmStateException(spec.name(), s, "destroy an incoming VM that already runs");
        }
        destroyAfterFailure();
    }

    private synchronized void destroyAfterFailure() {
        if (lifecycle.state() == VmState.DESTROYED) {
            return;
        }
        VmState before = lifecycle.moveIfAllowed(VmState.DESTROYED);
        if (before == VmState.RUNNING || lifecycle.state() != VmState.DESTROYED) {
            return;
        }
        InputStream in = stream;
        if (in != null) {
            closeQuietly(in);
        }
        // A receiver still running fails on the released memory, which is what stops it.
        memory.release();
        onDestroyed.run();
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException | RuntimeException e) {
            // Closing only wakes a blocked reader; the stream may be broken already.
        }
    }
}
