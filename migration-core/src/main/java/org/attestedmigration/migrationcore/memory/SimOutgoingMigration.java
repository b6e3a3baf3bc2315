package org.attestedmigration.migrationcore.memory;

import java.io.IOException;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.attestedmigration.migrationcore.hypervisor.FencingException;
import org.attestedmigration.migrationcore.hypervisor.HandoverToken;
import org.attestedmigration.migrationcore.hypervisor.HypervisorException;
import org.attestedmigration.migrationcore.hypervisor.MemoryMigrationSettings;
import org.attestedmigration.migrationcore.hypervisor.MemoryReceipt;
import org.attestedmigration.migrationcore.hypervisor.MigrationAbortedException;
import org.attestedmigration.migrationcore.hypervisor.OutgoingMigration;
import org.attestedmigration.migrationcore.hypervisor.PauseHook;
import org.attestedmigration.migrationcore.hypervisor.PrecopyResult;
import org.attestedmigration.migrationcore.hypervisor.StopAndCopyResult;
import org.attestedmigration.migrationcore.hypervisor.Vm;
import org.attestedmigration.migrationcore.hypervisor.VmState;
import org.attestedmigration.migrationcore.hypervisor.VmStateException;

/**
 * The source side of a simulated VM's migration. One worker thread owns the stream: header,
 * pre-copy, keep-warm rounds until stop-and-copy is asked for, then stop-and-copy. Every failure
 * before handover ends in {@link #resumeOnSource}; callers only wait on futures, with bounds.
 */
final class SimOutgoingMigration implements OutgoingMigration {
    private static final Logger LOG = Logger.getLogger(SimOutgoingMigration.class.getName());
    /** Pause between keep-warm rounds once pre-copy ended and stop-and-copy was not yet asked for. */
    private static final long KEEP_WARM_MILLIS = 100;
    private static final Duration WORKER_EXIT_WAIT = Duration.ofSeconds(5);
    private static final Duration ABORT_RECORD_WAIT = Duration.ofMillis(500);

    private final SimVm vm;
    private final MemoryMigrationSettings settings;
    private final MonitoredStreams.Out out;
    private final MemoryStreamWriter writer;
    private final MemorySender sender;
    private final long epoch;
    private final HandoverToken token;
    private final Runnable onDestroyed;
    private final CompletableFuture<PrecopyResult> precopy = new CompletableFuture<>();
    private final CompletableFuture<PauseHook> go = new CompletableFuture<>();
    private final CompletableFuture<StopAndCopyResult> finished = new CompletableFuture<>();
    private final long startedAt = System.nanoTime();
    private final Thread worker;
    private final StallWatchdog watchdog;
    private volatile String abortReason;
    private volatile byte[] digest;
    /** The hook whose paused() ran, to undo on resume; guarded by this. */
    private PauseHook hookToUndo;

    private SimOutgoingMigration(SimVm vm, OutputStream stream, MemoryMigrationSettings settings, SecureRandom random, Runnable onDestroyed) {
        this.vm = vm;
        this.settings = settings;
        this.out = new MonitoredStreams.Out(stream);
        this.writer = new MemoryStreamWriter(out);
        this.sender = new MemorySender(vm.memory(), writer);
        this.epoch = vm.epoch() + 1;
        this.token = HandoverToken.generate(vm.spec().name(), epoch, random);
        this.onDestroyed = onDestroyed;
        this.worker = new Thread(this::work, "memory-migration-" + vm.spec().name());
        worker.setDaemon(true);
        this.watchdog = StallWatchdog.start("memory-migration-watchdog-" + vm.spec().name(), settings.ioTimeout(), out, () -> {
            closeQuietly();
            worker.interrupt();
        });
    }

    /** RUNNING → MIGRATING, and pre-copy starts. */
    static SimOutgoingMigration start(SimVm vm, OutputStream stream, MemoryMigrationSettings settings, SecureRandom random,
                                      Runnable onDestroyed) throws VmStateException {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(settings, "settings");
        vm.lifecycle().move(VmState.RUNNING, VmState.MIGRATING, "start a memory migration");
        SimOutgoingMigration m = new SimOutgoingMigration(vm, stream, settings, random, onDestroyed);
        m.worker.start();
        return m;
    }

    @Override
    public Vm vm() {
        return vm;
    }

    private void work() {
        try {
            writer.header(vm.spec(), epoch, token.commitment());
            PrecopyResult result = new Precopy(sender, writer, settings, () -> abortReason != null).run();
            precopy.complete(result);
            PauseHook hook = keepWarmUntilGo(result.rounds());
            finished.complete(stopAndCopy(result, hook));
        } catch (Exception e) {
            fail(e);
        } finally {
            watchdog.close();
        }
    }

    /**
     * Keeps the destination's copy fresh (and the stream alive) until stop-and-copy is asked for;
     * gives up after the stop-and-copy timeout, so an orchestrator that went away cannot leave
     * the guest migrating forever.
     */
    private PauseHook keepWarmUntilGo(int rounds) throws Exception {
        long giveUp = System.nanoTime() + settings.stopAndCopyTimeout().toNanos();
        while (true) {
            checkAborted();
            try {
                return go.get(KEEP_WARM_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (System.nanoTime() - giveUp > 0) {
                    throw new IOException("stop-and-copy was not asked for within " + settings.stopAndCopyTimeout());
                }
                sender.sendDirty(() -> go.isDone() || abortReason != null);
                writer.roundEnd(++rounds);
            }
        }
    }

    private StopAndCopyResult stopAndCopy(PrecopyResult result, PauseHook hook) throws Exception {
        vm.pauseGuest();
        Instant pausedAt = Instant.now();
        long t0 = System.nanoTime();
        vm.lifecycle().move(VmState.MIGRATING, VmState.PAUSED, "pause for stop-and-copy");
        writer.paused(pausedAt);
        synchronized (this) {
            checkAborted();
            hookToUndo = hook;
        }
        hook.paused();
        long before = sender.pagesSent();
        sender.sendDirty(() -> abortReason != null);
        checkAborted();
        byte[] cpu = vm.cpuState().encode();
        writer.cpuState(cpu);
        byte[] d = sender.digest(cpu);
        writer.end(d);
        writer.close();
        digest = d;
        return new StopAndCopyResult(result, sender.pagesSent() - before, sender.pagesSent(), sender.zeroPagesSent(), out.bytes(),
                pausedAt, Duration.ofNanos(System.nanoTime() - t0));
    }

    private void checkAborted() throws IOException {
        String reason = abortReason;
        if (reason != null) {
            throw new IOException("aborted: " + reason);
        }
    }

    private void fail(Exception cause) {
        // An abort interrupts this thread; the interrupt must not also break the ABORT record.
        Thread.interrupted();
        String reason = abortReason != null ? abortReason : String.valueOf(cause.getMessage());
        if (watchdog.fired()) {
            reason = "the stream blocked for more than " + settings.ioTimeout() + " (" + reason + ")";
        }
        try {
            writer.abort(reason);
        } catch (IOException | RuntimeException e) {
            // The stream is what failed, most likely; the destination sees it end without END.
        }
        closeQuietly();
        resumeOnSource();
        MigrationAbortedException e = new MigrationAbortedException("memory migration of " + vm.spec().name()
                + " aborted before handover, the VM runs on the source: " + reason, cause);
        precopy.completeExceptionally(e);
        finished.completeExceptionally(e);
        Thread.interrupted();
    }

    /** Back to RUNNING here unless handed over; undoes the pause hook if it ran. Idempotent. */
    private synchronized void resumeOnSource() {
        VmState s = vm.lifecycle().state();
        if (s == VmState.MIGRATING || s == VmState.PAUSED) {
            try {
                vm.lifecycle().move(s, VmState.RUNNING, "resume on the source");
            } catch (VmStateException e) {
                LOG.log(Level.SEVERE, "could not resume " + vm.spec().name() + " on the source", e);
                return;
            }
        }
        if (vm.lifecycle().state() == VmState.RUNNING) {
            vm.resumeGuest();
            if (hookToUndo != null) {
                PauseHook h = hookToUndo;
                hookToUndo = null;
                h.resumedOnSource();
            }
        }
    }

    @Override
    public PrecopyResult awaitPrecopy(Duration timeout) throws HypervisorException, TimeoutException, InterruptedException {
        return unwrap(precopy, timeout.toNanos());
    }

    @Override
    public StopAndCopyResult stopAndCopy(PauseHook hook) throws HypervisorException, InterruptedException {
        Objects.requireNonNull(hook, "hook");
        if (!go.complete(hook)) {
            throw new VmStateException(vm.spec().name(), vm.state(), "stop and copy twice");
        }
        long precopyLeft = Math.max(0, startedAt + settings.precopyDeadline().toNanos() - System.nanoTime());
        long bound = precopyLeft + settings.stopAndCopyTimeout().toNanos() + settings.ioTimeout().toNanos();
        try {
            return unwrap(finished, bound);
        } catch (TimeoutException e) {
            abortQuietly("stop-and-copy did not finish within " + Duration.ofNanos(bound));
            return unwrap(finished, WORKER_EXIT_WAIT.toNanos(), e);
        } catch (InterruptedException e) {
            abortQuietly("interrupted while waiting for stop-and-copy");
            throw e;
        }
    }

    @Override
    public HandoverToken handOver(MemoryReceipt receipt) throws HypervisorException {
        Objects.requireNonNull(receipt, "receipt");
        byte[] d = digest;
        if (!finished.isDone() || finished.isCompletedExceptionally() || d == null) {
            throw new VmStateException(vm.spec().name(), vm.state(), "hand over before stop-and-copy finished");
        }
        if (!receipt.confirms(vm.spec().name(), epoch, d)) {
            throw new FencingException(vm.spec().name(), vm.state(), "the receipt is not for this VM, epoch " + epoch + " and memory digest");
        }
        vm.lifecycle().move(VmState.PAUSED, VmState.HANDED_OVER, "hand over");
        return token;
    }

    @Override
    public void abort(String reason) throws FencingException {
        Objects.requireNonNull(reason, "reason");
        if (vm.state() == VmState.HANDED_OVER || vm.state() == VmState.DESTROYED) {
            throw new FencingException(vm.spec().name(), vm.state(), "handed over already; abort would run it in two places");
        }
        synchronized (this) {
            if (abortReason == null) {
                abortReason = reason;
            }
        }
        try {
            // First let the worker stop between records and tell the destination why; only a
            // worker stuck in a write needs its stream closed under it.
            worker.interrupt();
            worker.join(ABORT_RECORD_WAIT.toMillis());
            if (worker.isAlive()) {
                closeQuietly();
                worker.interrupt();
                worker.join(WORKER_EXIT_WAIT.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        resumeOnSource();
        MigrationAbortedException e = new MigrationAbortedException("memory migration of " + vm.spec().name() + " aborted: " + reason, null);
        precopy.completeExceptionally(e);
        finished.completeExceptionally(e);
        if (vm.state() == VmState.HANDED_OVER) {
            throw new FencingException(vm.spec().name(), vm.state(), "handed over while aborting");
        }
    }

    private void abortQuietly(String reason) {
        try {
            abort(reason);
        } catch (FencingException e) {
            LOG.log(Level.WARNING, "abort after handover refused", e);
        }
    }

    @Override
    public void destroy() throws VmStateException {
        if (vm.state() == VmState.DESTROYED) {
            return;
        }
        vm.lifecycle().move(VmState.HANDED_OVER, VmState.DESTROYED, "destroy the source copy");
        try {
            vm.release();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        onDestroyed.run();
    }

    private void closeQuietly() {
        try {
            out.close();
        } catch (IOException | RuntimeException e) {
            // Closing is how a blocked writer is woken; the stream may be broken already.
        }
    }

    private static <T> T unwrap(CompletableFuture<T> f, long nanos) throws HypervisorException, TimeoutException, InterruptedException {
        try {
            return f.get(nanos, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof HypervisorException h) {
                throw h;
            }
            throw new MigrationAbortedException("memory migration failed: " + e.getCause(), e.getCause());
        }
    }

    private static <T> T unwrap(CompletableFuture<T> f, long nanos, TimeoutException first) throws HypervisorException, InterruptedException {
        try {
            return unwrap(f, nanos);
        } catch (TimeoutException e) {
            throw new MigrationAbortedException("memory migration did not stop in time", first);
        }
    }
}
