package org.attestedmigration.migrationcore.simvm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import org.attestedmigration.migrationcore.unix.PrivateSocket;

/**
 * The control socket of a sim-vm process: one client at a time (the agent), JSON lines in, answers
 * and events out. Each request runs on its own thread, so {@code abort}, {@code continue} and
 * {@code status} are answered while {@code stop-and-copy} or {@code receive} wait. A malformed
 * line gets an error answer and changes nothing; a second client gets a {@code Busy} error.
 */
final class ControlServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ControlServer.class.getName());

    private final ServerSocketChannel server;
    private final Path socket;
    private final SimVmGuest guest;
    private final Runnable finished;
    private final AtomicReference<SocketChannel> client = new AtomicReference<>();
    private final ExecutorService commands = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "sim-vm-command");
        t.setDaemon(true);
        return t;
    });

    private ControlServer(ServerSocketChannel server, Path socket, SimVmGuest guest, Runnable finished) {
        this.server = server;
        this.socket = socket;
        this.guest = guest;
        this.finished = finished;
    }

    /**
     * Listens on {@code socket} (mode 0600: whoever can write to it can move the guest).
     *
     * @param finished runs once a command left the VM destroyed: the process may exit
     */
    static ControlServer start(Path socket, SimVmGuest guest, Runnable finished) throws IOException {
        Files.deleteIfExists(socket);
        ServerSocketChannel server = PrivateSocket.bind(socket);
        ControlServer s = new ControlServer(server, socket, guest, finished);
        Thread acceptor = new Thread(s::acceptLoop, "sim-vm-control");
        acceptor.setDaemon(true);
        acceptor.start();
        return s;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException e) {
                return;
            }
            if (!client.compareAndSet(null, c)) {
                refuse(c);
                continue;
            }
            Thread t = new Thread(() -> serve(c), "sim-vm-control-client");
            t.setDaemon(true);
            t.start();
        }
    }

    private void refuse(SocketChannel c) {
        try (c) {
            new JsonLines(UnixStreams.in(c), UnixStreams.out(c)).send(error(null,
                    ControlError.of(ControlError.BUSY, "another client controls " + guest.name())));
        } catch (IOException e) {
            // It went away already.
        }
    }

    private void serve(SocketChannel c) {
        JsonLines lines = new JsonLines(new BufferedInputStream(UnixStreams.in(c)), UnixStreams.out(c));
        try {
            ObjectNode hello = ControlProtocol.JSON.createObjectNode().put("vm", guest.name()).put("pid", ProcessHandle.current().pid())
                    .put("protocol", ControlProtocol.VERSION);
            lines.send(ControlProtocol.JSON.createObjectNode().set(ControlProtocol.GREETING, hello));
            for (String line = lines.read(); line != null; line = lines.read()) {
                handle(line, lines);
            }
        } catch (IOException e) {
            LOG.fine("control client gone: " + e.getMessage());
        } finally {
            try {
                c.close();
            } catch (IOException e) {
                // Closed is closed.
            }
            client.set(null);
            guest.controlLost();
        }
    }

    /** Parses one line; a malformed one is answered and dropped, never thrown. */
    void handle(String line, JsonLines lines) throws IOException {
        if (line.isBlank()) {
            return;
        }
        if (line == JsonLines.TOO_LONG) {
            lines.send(error(null, ControlError.of(ControlError.MALFORMED, "a request line is at most " + ControlProtocol.MAX_LINE + " bytes")));
            return;
        }
        JsonNode request;
        try {
            request = ControlProtocol.JSON.readTree(line);
        } catch (JsonProcessingException e) {
            lines.send(error(null, ControlError.of(ControlError.MALFORMED, "not JSON: " + e.getOriginalMessage())));
            return;
        }
        JsonNode id = request != null && request.isObject() ? request.get(ControlProtocol.ID) : null;
        JsonNode execute = request == null ? null : request.get(ControlProtocol.EXECUTE);
        JsonNode args = request == null ? null : request.get(ControlProtocol.ARGUMENTS);
        if (request == null || !request.isObject() || execute == null || !execute.isTextual()) {
            lines.send(error(id, ControlError.of(ControlError.MALFORMED, "a request is {\"execute\":COMMAND,\"arguments\":{...},\"id\":ID}")));
            return;
        }
        if (args != null && !args.isNull() && !args.isObject()) {
            lines.send(error(id, ControlError.of(ControlError.MALFORMED, "'arguments' must be an object")));
            return;
        }
        JsonNode arguments = args == null || args.isNull() ? ControlProtocol.JSON.createObjectNode() : args;
        commands.execute(() -> run(execute.asText(), arguments, id, lines));
    }

    private void run(String command, JsonNode args, JsonNode id, JsonLines lines) {
        ObjectNode answer;
        try {
            ObjectNode result = guest.execute(command, args, id, event -> sendQuietly(lines, event));
            answer = ControlProtocol.JSON.createObjectNode();
            answer.set(ControlProtocol.RETURN, result);
            if (id != null) {
                answer.set(ControlProtocol.ID, id);
            }
        } catch (SimVmGuest.UnknownCommandException e) {
            answer = error(id, ControlError.of(ControlError.COMMAND_NOT_FOUND, e.getMessage()));
        } catch (Exception e) {
            LOG.fine(command + " failed: " + e);
            answer = error(id, ControlError.of(e));
        }
        sendQuietly(lines, answer);
        if (guest.finished()) {
            finished.run();
        }
    }

    private static ObjectNode error(JsonNode id, ObjectNode error) {
        ObjectNode n = ControlProtocol.JSON.createObjectNode();
        n.set(ControlProtocol.ERROR, error);
        if (id != null) {
            n.set(ControlProtocol.ID, id);
        }
        return n;
    }

    private static void sendQuietly(JsonLines lines, ObjectNode message) {
        try {
            lines.send(message);
        } catch (IOException e) {
            // The client left; what it asked for happened anyway, and its next connection can ask status.
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // Nothing to release.
        }
        SocketChannel c = client.get();
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // Closed is closed.
            }
        }
        commands.shutdownNow();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // A stale socket file is replaced at the next start.
        }
    }
}
