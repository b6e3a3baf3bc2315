package org.attestedmigration.migrationcore.simvm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * The source's half of a process guest's migration. The process runs pre-copy and stop-and-copy
 * itself and writes the stream to a unix socket this side listens on; a pump passes it to the
 * attested channel's stream. The pause hook runs here, between the process's PAUSED event and
 * the {@code continue} this side sends, so the disk switches over while the guest is paused.
 */
final class ProcessOutgoingMigration implements OutgoingMigration {
    private static final Logger LOG = Logger.getLogger(ProcessOutgoingMigration.class.getName());
    private static final Duration REQUEST = Duration.ofSeconds(30);
    /** Beyond the process's own bounds: its answer has to travel too. */
    private static final Duration MARGIN = Duration.ofSeconds(15);
    /** Time for an ABORT record already written to reach the channel before the pump is cut. */
    private static final Duration ABORT_DRAIN = Duration.ofSeconds(1);

    private final ProcessVm vm;
    private final ControlClient control;
    private final MemoryMigrationSettings settings;
    private final StreamSocket socket;
    private final StreamPump pump;
    private final Runnable onDestroyed;
    private final long startedAt = System.nanoTime();
    /** The hook whose paused() ran, to undo if the guest resumes here; guarded by this. */
    private PauseHook hookToUndo;
    private volatile boolean handedOver;
    private volatile boolean destroyed;

    private ProcessOutgoingMigration(ProcessVm vm, MemoryMigrationSettings settings, StreamSocket socket, StreamPump pump,
                                     Runnable onDestroyed) {
        this.vm = vm;
        this.control = vm.process().control();
        this.settings = settings;
        this.socket = socket;
        this.pump = pump;
        this.onDestroyed = onDestroyed;
    }

    /** Listens on {@code streamSocket}, tells the process to migrate out there, and pumps what it writes to {@code out}. */
    static ProcessOutgoingMigration start(ProcessVm vm, OutputStream out, MemoryMigrationSettings settings, java.nio.file.Path streamSocket,
                                          Runnable onDestroyed) throws HypervisorException, InterruptedException {
        StreamSocket socket;
        try {
            socket = StreamSocket.listen(streamSocket);
        } catch (IOException e) {
            closeQuietly(out);
            throw new HypervisorException("memory stream socket " + streamSocket + ": " + e.getMessage(), e);
        }
        try {
            ObjectNode args = ControlProtocol.JSON.createObjectNode().put("stream", streamSocket.toString());
            args.set("settings", ControlValues.settings(settings));
            ControlClient.Call call = vm.process().control().start(ControlProtocol.MIGRATE_OUT, args);
            SocketChannel ch = socket.accept(REQUEST, call.answer());
            vm.process().control().await(call, REQUEST);
            StreamPump pump = StreamPump.start("memory-pump-" + vm.spec().name(), UnixStreams.in(ch), out, out);
            return new ProcessOutgoingMigration(vm, settings, socket, pump, onDestroyed);
        } catch (HypervisorException | IOException | TimeoutException | RuntimeException e) {
            socket.close();
            closeQuietly(out);
            if (e instanceof HypervisorException h) {
                throw h;
            }
            throw new HypervisorException("the memory migration of " + vm.spec().name() + " could not start: " + e.getMessage(), e);
        }
    }

    @Override
    public Vm vm() {
        return vm;
    }

    @Override
    public PrecopyResult awaitPrecopy(Duration timeout) throws HypervisorException, TimeoutException, InterruptedException {
        ObjectNode args = ControlProtocol.JSON.createObjectNode().put("timeoutMillis", Math.max(1, timeout.toMillis()));
        try {
            return ControlValues.precopy(control.await(control.start(ControlProtocol.AWAIT_PRECOPY, args), timeout.plus(MARGIN)));
        } catch (GuestGoneException e) {
            throw gone(e);
        }
    }

    @Override
    public StopAndCopyResult stopAndCopy(PauseHook hook) throws HypervisorException, InterruptedException {
        long precopyLeft = Math.max(0, startedAt + settings.precopyDeadline().toNanos() - System.nanoTime());
        Duration bound = Duration.ofNanos(precopyLeft).plus(settings.stopAndCopyTimeout()).plus(settings.ioTimeout()).plus(MARGIN);
        long deadline = System.nanoTime() + bound.toNanos();
        ControlClient.Call call = control.start(ControlProtocol.STOP_AND_COPY, null);
        Exception hookFailure = null;
        try {
            CompletableFuture.anyOf(call.paused(), call.answer()).get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // The connection ended; the answer below says so.
        } catch (TimeoutException e) {
            abortQuietly("stop-and-copy did not pause the guest within " + bound);
        }
        if (call.paused().isDone() && !call.paused().isCompletedExceptionally()) {
            synchronized (this) {
                hookToUndo = hook;
            }
            try {
                hook.paused();
                control.start(ControlProtocol.CONTINUE, null);
            } catch (Exception e) {
                hookFailure = e;
                control.start(ControlProtocol.RESUME_HERE, ControlProtocol.JSON.createObjectNode().put("reason",
                        "the pause hook failed: " + e.getMessage()));
            }
        }
        StopAndCopyResult result;
        try {
            JsonNode answer = control.await(call, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            result = ControlValues.stopAndCopy(answer);
        } catch (TimeoutException e) {
            abortQuietly("stop-and-copy did not finish within " + bound);
            throw new MigrationAbortedException("memory migration of " + vm.spec().name() + " did not stop in time", e);
        } catch (GuestGoneException e) {
            resumedOnSource();
            throw gone(e);
        } catch (HypervisorException e) {
            // The process resumed the guest (MigrationAborted) or refused; either way it runs there.
            resumedOnSource();
            drainThenCut();
            throw hookFailure == null ? e : new MigrationAbortedException(e.getMessage(), hookFailure);
        }
        try {
            pump.await(settings.ioTimeout().plus(MARGIN));
        } catch (IOException e) {
            String why = "the memory stream could not be passed on: " + e.getMessage();
            abortQuietly(why);
            throw new MigrationAbortedException("memory migration of " + vm.spec().name() + " aborted before handover, the VM runs on the source: "
                    + why, e);
        }
        socket.close();
        return result;
    }

    @Override
    public HandoverToken handOver(MemoryReceipt receipt) throws HypervisorException {
        ObjectNode args = ControlProtocol.JSON.createObjectNode().put("receipt", Base64.getEncoder().encodeToString(receipt.encode()));
        try {
            JsonNode r = control.call(ControlProtocol.HAND_OVER, args, REQUEST);
            HandoverToken token = HandoverToken.decode(Base64.getDecoder().decode(r.path("token").asText()));
            handedOver = true;
            return token;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HypervisorException("interrupted while handing over " + vm.spec().name(), e);
        } catch (IllegalArgumentException e) {
            throw new HypervisorException("the guest process answered a malformed handover token: " + e.getMessage(), e);
        }
    }

    @Override
    public void abort(String reason) throws FencingException {
        if (handedOver || destroyed) {
            throw new FencingException(vm.spec().name(), destroyed ? VmState.DESTROYED : VmState.HANDED_OVER,
                    "handed over already; abort would run it in two places");
        }
        try {
            control.call(ControlProtocol.ABORT, ControlProtocol.JSON.createObjectNode().put("reason", reason), REQUEST);
        } catch (FencingException e) {
            throw e;
        } catch (HypervisorException e) {
            LOG.warning("abort of the memory migration of " + vm.spec().name() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drainThenCut();
        resumedOnSource();
    }

    /** Lets the ABORT record the process wrote reach the destination, then ends the pump. */
    private void drainThenCut() {
        try {
            pump.await(ABORT_DRAIN);
        } catch (IOException e) {
            // Cut below; the destination sees the stream end short.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pump.cancel();
        socket.close();
    }

    private void abortQuietly(String reason) {
        try {
            abort(reason);
        } catch (FencingException e) {
            LOG.warning("abort after handover refused: " + e.getMessage());
        }
    }

    /** The guest runs here again: undo the hook if its paused() ran. Idempotent. */
    private void resumedOnSource() {
        PauseHook h;
        synchronized (this) {
            h = hookToUndo;
            hookToUndo = null;
        }
        if (h != null) {
            h.resumedOnSource();
        }
    }

    @Override
    public void destroy() throws VmStateException {
        if (destroyed) {
            return;
        }
        if (!handedOver) {
            throw new VmStateException(vm.spec().name(), vm.state(), "destroy the source copy");
        }
        try {
            control.call(ControlProtocol.DESTROY, null, REQUEST);
        } catch (VmStateException e) {
            throw e;
        } catch (HypervisorException e) {
            LOG.warning("destroy of the handed-over guest " + vm.spec().name() + ": " + e.getMessage() + "; stopping its process");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        destroyed = true;
        vm.process().awaitExit();
        socket.close();
        onDestroyed.run();
    }

    private MigrationAbortedException gone(GuestGoneException e) {
        pump.cancel();
        socket.close();
        return new MigrationAbortedException("the guest process of " + vm.spec().name() + " ended during its migration (see "
                + vm.process().log() + "): " + e.getMessage(), e);
    }

    private static void closeQuietly(OutputStream out) {
        try {
            out.close();
        } catch (IOException | RuntimeException e) {
            // The adapter owns the stream; a broken one is closed enough.
        }
    }
}
