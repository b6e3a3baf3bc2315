package org.attestedmigration.migrationcore.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;

/** The admin API seen from the command line: one connection per request to a local agent's socket. */
public final class AdminClient {
    private final Path socket;
    private final ObjectMapper json = AdminProtocol.mapper();

    /** The agent refused the request itself (malformed or unknown command); the message says why. */
    public static final class RequestRefusedException extends IOException {
        private static final long serialVersionUID = 1L;

        RequestRefusedException(String message) {
            super(message);
        }
    }

    public AdminClient(Path socket) {
        this.socket = socket;
    }

    /** True if an agent's socket file is there (it may still be stale). */
    public boolean socketExists() {
        return Files.exists(socket);
    }

    public AgentStatus status() throws IOException {
        try (Connection c = connect()) {
            c.send(json.createObjectNode().put(AdminProtocol.COMMAND, AdminProtocol.STATUS));
            JsonNode line = c.expect(AdminProtocol.STATUS);
            return json.treeToValue(line.path(AdminProtocol.STATUS), AgentStatus.class);
        }
    }

    /** Asks the agent to migrate; blocks until the result, passing each progress line on. */
    public MigrationOutcome migrate(MigrationRequest request, Consumer<MigrationProgress> progress) throws IOException {
        try (Connection c = connect()) {
            c.send(json.createObjectNode().put(AdminProtocol.COMMAND, AdminProtocol.MIGRATE).put("vm", request.vm())
                    .put("to", request.destination().toString()).put("mode", request.mode().name().toLowerCase(Locale.ROOT))
                    .put("maxBandwidth", request.maxBandwidthBytesPerSecond()).put("retries", request.retries()));
            while (true) {
                JsonNode line = c.next();
                String type = line.path(AdminProtocol.TYPE).asText();
                if (AdminProtocol.PROGRESS.equals(type)) {
                    progress.accept(json.treeToValue(line.path(AdminProtocol.PROGRESS), MigrationProgress.class));
                } else if (AdminProtocol.RESULT.equals(type)) {
                    return json.treeToValue(line.path("outcome"), MigrationOutcome.class);
                } else {
                    c.unexpected(line);
                }
            }
        }
    }

    /** Asks the agent to settle the in-doubt migration of {@code vm}; blocks until the result. */
    public MigrationOutcome resolve(String vm) throws IOException {
        try (Connection c = connect()) {
            c.send(json.createObjectNode().put(AdminProtocol.COMMAND, AdminProtocol.RESOLVE).put("vm", vm));
            JsonNode line = c.next();
            if (!AdminProtocol.RESULT.equals(line.path(AdminProtocol.TYPE).asText())) {
                c.unexpected(line);
            }
            return json.treeToValue(line.path("outcome"), MigrationOutcome.class);
        }
    }

    private Connection connect() throws IOException {
        SocketChannel channel;
        try {
            channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new IOException("no agent answers on " + socket + ": " + e.getMessage(), e);
        }
        return new Connection(channel);
    }

    /** One request's connection. */
    private final class Connection implements AutoCloseable {
        private final SocketChannel channel;
        private final OutputStream out;
        private final BufferedReader in;

        Connection(SocketChannel channel) {
            this.channel = channel;
            this.out = Channels.newOutputStream(channel);
            this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        }

        void send(JsonNode request) throws IOException {
            out.write((json.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        JsonNode next() throws IOException {
            String line = in.readLine();
            if (line == null) {
                throw new IOException("the agent on " + socket + " closed the connection before answering");
            }
            return json.readTree(line);
        }

        JsonNode expect(String type) throws IOException {
            JsonNode line = next();
            if (!type.equals(line.path(AdminProtocol.TYPE).asText())) {
                unexpected(line);
            }
            return line;
        }

        void unexpected(JsonNode line) throws IOException {
            if (AdminProtocol.ERROR.equals(line.path(AdminProtocol.TYPE).asText())) {
                throw new RequestRefusedException(line.path("message").asText());
            }
            throw new IOException("unexpected answer from the agent: " + line);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
