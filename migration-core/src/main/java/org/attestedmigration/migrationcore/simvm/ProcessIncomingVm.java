package org.attestedmigration.migrationcore.simvm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.attestedmigration.migrationcore.hypervisor.HandoverToken;
import org.attestedmigration.migrationcore.hypervisor.HypervisorException;
import org.attestedmigration.migrationcore.hypervisor.IncomingVm;
import org.attestedmigration.migrationcore.hypervisor.MemoryReceipt;
import org.attestedmigration.migrationcore.hypervisor.MigrationStreamException;
import org.attestedmigration.migrationcore.hypervisor.ResumeResult;
import org.attestedmigration.migrationcore.hypervisor.VmSpec;
import org.attestedmigration.migrationcore.hypervisor.VmState;
import org.attestedmigration.migrationcore.hypervisor.VmStateException;

/**
 * The destination's half of a process guest's migration: a sim-vm process started with
 * {@code --incoming}, which reads the memory stream from a unix socket this side listens on and
 * pumps the attested channel's stream into. It runs the guest only on {@code resume} with the
 * source's token, and then writes the disk this agent serves.
 */
final class ProcessIncomingVm extends ProcessGuest implements IncomingVm {
    private static final Logger LOG = Logger.getLogger(ProcessIncomingVm.class.getName());
    private static final Duration REQUEST = Duration.ofSeconds(30);

    private final Path streamSocket;
    private final Path diskSocket;
    private final Consumer<ProcessVm> onRunning;
    private final Runnable onDestroyed;
    private volatile long epoch;
    private volatile StreamPump pump;
    private volatile boolean resumed;
    private volatile boolean destroyed;

    ProcessIncomingVm(VmSpec spec, GuestProcess process, Path streamSocket, Path diskSocket, Consumer<ProcessVm> onRunning,
                      Runnable onDestroyed) {
        super(spec, process, VmState.PREPARED);
        this.streamSocket = streamSocket;
        this.diskSocket = diskSocket;
        this.onRunning = onRunning;
        this.onDestroyed = onDestroyed;
    }

    /** The epoch the stream announced, or 0 before the memory arrived. */
    @Override
    public long epoch() {
        return epoch;
    }

    @Override
    public MemoryReceipt receiveMemory(InputStream in) throws HypervisorException {
        StreamSocket socket;
        try {
            socket = StreamSocket.listen(streamSocket);
        } catch (IOException e) {
            closeQuietly(in);
            throw new HypervisorException("memory stream socket " + streamSocket + ": " + e.getMessage(), e);
        }
        ControlClient control = process().control();
        try {
            ControlClient.Call call = control.start(ControlProtocol.RECEIVE,
                    ControlProtocol.JSON.createObjectNode().put("stream", streamSocket.toString()));
            SocketChannel ch = socket.accept(REQUEST, call.answer());
            pump = StreamPump.start("memory-pump-" + spec().name(), in, UnixStreams.out(ch), ch::shutdownOutput);
            JsonNode answer = awaitWhileFlowing(call);
            MemoryReceipt receipt = MemoryReceipt.decode(Base64.getDecoder().decode(answer.path("receipt").asText()));
            epoch = receipt.epoch();
            return receipt;
        } catch (IOException | IllegalArgumentException e) {
            destroyQuietly();
            throw new MigrationStreamException("the memory of " + spec().name() + " could not be received: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            destroyQuietly();
            throw new MigrationStreamException("interrupted while receiving the memory of " + spec().name(), e);
        } catch (HypervisorException e) {
            // The process destroyed its VM and exits; keep this side in step.
            destroyQuietly();
            throw e;
        } finally {
            StreamPump p = pump;
            if (p != null) {
                // The adapter owns the stream: done with it either way.
                p.cancel();
            }
            socket.close();
            closeQuietly(in);
        }
    }

    /**
     * Receiving has no bound of its own: the process breaks a stream idle for 45 s, and its end
     * (or its death) answers this call.
     */
    /** Longer than the process's own stream idle timeout (45 s), so that one reports first. */
    private static final java.time.Duration STALLED = java.time.Duration.ofSeconds(75);

    /**
     * Waits for the process's receipt as long as memory bytes keep arriving: a large guest on a slow
     * link may take long, but a process that stopped (frozen, or its reader stuck) must not hold the
     * migration forever. The process's own idle watchdog fires first; this is the agent's backstop.
     */
    private JsonNode awaitWhileFlowing(ControlClient.Call call) throws HypervisorException, InterruptedException {
        try {
            long seen = -1;
            long lastChange = System.nanoTime();
            while (true) {
                try {
                    call.answer().get(1, java.util.concurrent.TimeUnit.SECONDS);
                    break;
                } catch (java.util.concurrent.TimeoutException stillWaiting) {
                    long now = pump.bytesMoved();
                    if (now != seen) {
                        seen = now;
                        lastChange = System.nanoTime();
                    } else if (System.nanoTime() - lastChange > STALLED.toNanos()) {
                        throw new MigrationStreamException("no memory of " + spec().name() + " moved for " + STALLED.toSeconds()
                                + " s and the guest process gave no receipt; it is given up");
                    }
                }
            }
            return process().control().await(call, REQUEST);
        } catch (ExecutionException e) {
            throw new MigrationStreamException("the guest process of " + spec().name() + " ended while receiving: " + e.getCause().getMessage(),
                    e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new MigrationStreamException(e.getMessage(), e);
        }
    }

    @Override
    public ResumeResult resume(HandoverToken token) throws HypervisorException {
        ObjectNode args = ControlProtocol.JSON.createObjectNode().put("token", Base64.getEncoder().encodeToString(token.encode()))
                .put("diskNbd", diskSocket.toString());
        try {
            ResumeResult r = ControlValues.resume(process().control().call(ControlProtocol.RESUME, args, REQUEST));
            resumed = true;
            onRunning.accept(new ProcessVm(spec(), process(), r.epoch()));
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HypervisorException("interrupted while resuming " + spec().name(), e);
        }
    }

    @Override
    public void destroy() throws VmStateException {
        if (destroyed) {
            return;
        }
        if (resumed) {
            throw new VmStateException(spec().name(), VmState.RUNNING, "destroy an incoming VM that already runs");
        }
        destroyQuietly();
    }

    private void destroyQuietly() {
        if (destroyed) {
            return;
        }
        destroyed = true;
        StreamPump p = pump;
        if (p != null) {
            p.cancel();
        }
        try {
            process().control().call(ControlProtocol.DESTROY, null, REQUEST);
        } catch (HypervisorException e) {
            LOG.fine("destroy of incoming guest " + spec().name() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process().awaitExit();
        onDestroyed.run();
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException | RuntimeException e) {
            // The adapter owns the stream; a broken one is closed enough.
        }
    }
}
