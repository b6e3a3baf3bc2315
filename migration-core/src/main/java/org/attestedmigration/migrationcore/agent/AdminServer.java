package org.attestedmigration.migrationcore.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.logging.Logger;
import org.attestedmigration.migrationcore.replication.MirrorMode;
import org.attestedmigration.migrationcore.unix.PrivateSocket;

/**
 * Serves the admin API ({@link AdminProtocol}) on a unix domain socket that only the agent's
 * user may use: whoever can write to it can move VMs, so the file system guards it, not a password.
 */
final class AdminServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AdminServer.class.getName());

    private final Path socket;
    private final ServerSocketChannel server;
    private final Agent agent;
    private final ExecutorService workers;
    private final ObjectMapper json = AdminProtocol.mapper();
    private volatile boolean closed;

    private AdminServer(Path socket, ServerSocketChannel server, Agent agent, ExecutorService workers) {
        this.socket = socket;
        this.server = server;
        this.agent = agent;
        this.workers = workers;
    }

    static AdminServer start(Path socket, Agent agent, ExecutorService workers) throws IOException {
        removeStale(socket);
        ServerSocketChannel server = PrivateSocket.bind(socket);
        AdminServer admin = new AdminServer(socket, server, agent, workers);
        Thread acceptor = new Thread(admin::acceptLoop, "admin-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return admin;
    }

    /** A socket file left by an agent that died is removed; one a live agent answers on is not taken over. */
    private static void removeStale(Path socket) throws IOException {
        if (!Files.exists(socket)) {
            return;
        }
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            throw new IOException("another agent is already listening on " + socket);
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("another agent")) {
                throw e;
            }
            Files.deleteIfExists(socket);
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel client = server.accept();
                workers.execute(() -> serve(client));
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.warning("admin socket accept failed: " + e.getMessage());
                }
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return;
            }
        }
    }

    private void serve(SocketChannel client) {
        try (client; OutputStream out = Channels.newOutputStream(client)) {
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
            String line = readLine(in);
            if (line == null) {
                return;
            }
            JsonNode request;
            try {
                request = json.readTree(line);
            } catch (IOException e) {
                send(out, error("the request is not JSON: " + e.getMessage()));
                return;
            }
            String command = request == null ? "" : request.path(AdminProtocol.COMMAND).asText();
            switch (command) {
                case AdminProtocol.STATUS -> send(out, json.createObjectNode().put(AdminProtocol.TYPE, AdminProtocol.STATUS)
                        .set(AdminProtocol.STATUS, json.valueToTree(agent.status())));
                case AdminProtocol.MIGRATE -> migrate(request, out);
                case AdminProtocol.RESOLVE -> resolve(request, out);
                default -> send(out, error("unknown command '" + command + "' (status, migrate, resolve)"));
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.fine("admin client left: " + e.getMessage());
        }
    }

    private static String readLine(BufferedReader in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c; (c = in.read()) != -1; ) {
            if (c == '\n') {
                return line.toString();
            }
            if (line.length() >= AdminProtocol.MAX_REQUEST) {
                throw new IOException("admin request longer than " + AdminProtocol.MAX_REQUEST + " characters");
            }
            line.append((char) c);
        }
        return line.length() == 0 ? null : line.toString();
    }

    private void migrate(JsonNode request, OutputStream out) throws IOException {
        MigrationRequest migration;
        try {
            migration = parse(request);
        } catch (IllegalArgumentException e) {
            send(out, error(e.getMessage()));
            return;
        }
        // The migration runs to its end even if the client goes away: a half-done migration helps no one.
        MigrationOutcome outcome = agent.migrate(migration, progress -> {
            try {
                send(out, json.createObjectNode().put(AdminProtocol.TYPE, AdminProtocol.PROGRESS)
                        .set(AdminProtocol.PROGRESS, json.valueToTree(progress)));
            } catch (IOException e) {
                LOG.fine("admin client stopped listening to progress: " + e.getMessage());
            }
        });
        send(out, json.createObjectNode().put(AdminProtocol.TYPE, AdminProtocol.RESULT).set("outcome", json.valueToTree(outcome)));
    }

    private void resolve(JsonNode request, OutputStream out) throws IOException {
        String vm = request.path("vm").asText("");
        if (!AgentConfigReader.validVmName(vm)) {
            send(out, error("'vm' must name a VM, got '" + vm + "'"));
            return;
        }
        MigrationOutcome outcome;
        try {
            outcome = agent.resolve(vm);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            send(out, error("the agent is shutting down"));
            return;
        }
        send(out, json.createObjectNode().put(AdminProtocol.TYPE, AdminProtocol.RESULT).set("outcome", json.valueToTree(outcome)));
    }

    private static MigrationRequest parse(JsonNode request) {
        String vm = request.path("vm").asText("");
        if (!AgentConfigReader.validVmName(vm)) {
            throw new IllegalArgumentException("'vm' must name a VM, got '" + vm + "'");
        }
        HostPort to = HostPort.parse(request.path("to").asText(""));
        String mode = request.path("mode").asText("sync").toUpperCase(Locale.ROOT);
        MirrorMode mirror;
        try {
            mirror = MirrorMode.valueOf(mode);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'mode' must be sync or async, got '" + mode.toLowerCase(Locale.ROOT) + "'");
        }
        JsonNode bandwidth = request.path("maxBandwidth");
        if (!bandwidth.isMissingNode() && !bandwidth.canConvertToLong()) {
            throw new IllegalArgumentException("'maxBandwidth' must be bytes per second");
        }
        JsonNode retries = request.path("retries");
        if (!retries.isMissingNode() && !retries.canConvertToInt()) {
            throw new IllegalArgumentException("'retries' must be a number of retries");
        }
        return new MigrationRequest(vm, to, mirror, bandwidth.asLong(0), retries.asInt(MigrationRequest.DEFAULT_RETRIES));
    }

    private ObjectNode error(String message) {
        return json.createObjectNode().put(AdminProtocol.TYPE, AdminProtocol.ERROR).put("message", message);
    }

    /** Progress comes from replicator threads while the final line comes from ours: one line at a time. */
    private void send(OutputStream out, JsonNode line) throws IOException {
        byte[] bytes = (json.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (out) {
            out.write(bytes);
            out.flush();
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        Files.deleteIfExists(socket);
    }
}
