package org.attestedmigration.migrationcore.simvm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.attestedmigration.migrationcore.hypervisor.HypervisorException;

/**
 * The agent's end of a guest process's control socket: requests carry an id, a reader thread
 * matches answers and events to them, so several requests may wait at once (an abort while
 * stop-and-copy waits). Once the socket ends, every waiting and later request fails with
 * {@link GuestGoneException}.
 */
final class ControlClient implements AutoCloseable {
    private final String vm;
    private final SocketChannel channel;
    private final JsonLines lines;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> answers = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<JsonNode>> pausedEvents = new ConcurrentHashMap<>();
    private volatile IOException closedBy;

    private ControlClient(String vm, SocketChannel channel) {
        this.vm = vm;
        this.channel = channel;
        this.lines = new JsonLines(new BufferedInputStream(UnixStreams.in(channel)), UnixStreams.out(channel));
    }

    /**
     * Connects and reads the greeting.
     *
     * @throws IOException nothing listens there yet, or it is not a sim-vm control socket for {@code vm}
     */
    static ControlClient connect(Path socket, String vm) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ControlClient c = new ControlClient(vm, ch);
            String first = c.lines.read();
            JsonNode greeting = first == null ? null : ControlProtocol.JSON.readTree(first).get(ControlProtocol.GREETING);
            if (greeting == null || !vm.equals(greeting.path("vm").asText())) {
                throw new IOException("not the control socket of guest " + vm + ": " + first);
            }
            Thread reader = new Thread(c::readLoop, "sim-vm-client-" + vm);
            reader.setDaemon(true);
            reader.start();
            return c;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private void readLoop() {
        IOException end = new IOException("the guest process of " + vm + " closed its control socket");
        try {
            for (String line = lines.read(); line != null; line = lines.read()) {
                dispatch(line);
            }
        } catch (IOException e) {
            end = new IOException("the control socket of guest " + vm + " failed: " + e.getMessage(), e);
        } finally {
            closedBy = end;
            answers.values().forEach(f -> f.completeExceptionally(closedBy));
            pausedEvents.values().forEach(f -> f.completeExceptionally(closedBy));
        }
    }

    private void dispatch(String line) {
        JsonNode n;
        try {
            n = ControlProtocol.JSON.readTree(line);
        } catch (JsonProcessingException e) {
            return;
        }
        if (n == null || !n.isObject()) {
            return;
        }
        if (n.has(ControlProtocol.EVENT)) {
            if (ControlProtocol.PAUSED_EVENT.equals(n.path(ControlProtocol.EVENT).asText())) {
                CompletableFuture<JsonNode> f = pausedEvents.remove(n.path(ControlProtocol.DATA).path(ControlProtocol.ID).asLong(-1));
                if (f != null) {
                    f.complete(n.path(ControlProtocol.DATA));
                }
            }
            return;
        }
        CompletableFuture<JsonNode> f = answers.remove(n.path(ControlProtocol.ID).asLong(-1));
        if (f != null) {
            f.complete(n);
        }
    }

    /** A request on its way; its answer and, for stop-and-copy, its PAUSED event. */
    record Call(long id, String command, CompletableFuture<JsonNode> answer, CompletableFuture<JsonNode> paused) {
    }

    /** Sends a request without waiting for its answer. */
    Call start(String command, ObjectNode arguments) {
        long id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        CompletableFuture<JsonNode> paused = new CompletableFuture<>();
        answers.put(id, answer);
        if (ControlProtocol.STOP_AND_COPY.equals(command)) {
            pausedEvents.put(id, paused);
        }
        ObjectNode request = ControlProtocol.JSON.createObjectNode().put(ControlProtocol.EXECUTE, command).put(ControlProtocol.ID, id);
        request.set(ControlProtocol.ARGUMENTS, arguments == null ? ControlProtocol.JSON.createObjectNode() : arguments);
        try {
            if (closedBy != null) {
                throw closedBy;
            }
            lines.send(request);
        } catch (IOException e) {
            answers.remove(id);
            pausedEvents.remove(id);
            answer.completeExceptionally(e);
            paused.completeExceptionally(e);
        }
        return new Call(id, command, answer, paused);
    }

    /**
     * The {@code return} object of {@code call}.
     *
     * @throws TimeoutException no answer within {@code timeout}, or the process answered {@code Timeout}
     * @throws GuestGoneException the control socket ended first
     * @throws HypervisorException the process's typed error
     */
    JsonNode await(Call call, Duration timeout) throws HypervisorException, TimeoutException, InterruptedException {
        JsonNode answer;
        try {
            answer = call.answer().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new GuestGoneException(call.command() + " on guest " + vm + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new TimeoutException(call.command() + " on guest " + vm + " not answered within " + timeout);
        }
        JsonNode error = answer.get(ControlProtocol.ERROR);
        if (error != null) {
            if (ControlError.TIMEOUT.equals(error.path("class").asText())) {
                throw new TimeoutException(error.path("desc").asText());
            }
            throw ControlError.toException(vm, error);
        }
        return answer.path(ControlProtocol.RETURN);
    }

    /** {@link #start} and {@link #await} in one; a timeout is a {@link HypervisorException} here. */
    JsonNode call(String command, ObjectNode arguments, Duration timeout) throws HypervisorException, InterruptedException {
        try {
            return await(start(command, arguments), timeout);
        } catch (TimeoutException e) {
            throw new HypervisorException(e.getMessage(), e);
        }
    }

    boolean open() {
        return closedBy == null;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // Closed is closed.
        }
    }
}
