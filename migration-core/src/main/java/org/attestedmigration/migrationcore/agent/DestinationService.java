package org.attestedmigration.migrationcore.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.logging.Logger;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.securechannel.AttestedSession;
import org.attestedmigration.securechannel.handshake.AttestedConnection;
import org.attestedmigration.securechannel.mux.ControlChannel;
import org.attestedmigration.securechannel.mux.ErrorCode;
import org.attestedmigration.securechannel.mux.IncomingStream;
import org.attestedmigration.securechannel.mux.MuxConfig;
import org.attestedmigration.securechannel.mux.MuxSession;
import org.attestedmigration.securechannel.mux.StreamKind;

/**
 * The destination's half of the peer protocol, on every session an attested peer opened: it
 * prepares an empty disk on {@code migration.begin}, writes the disk stream into it, and serves
 * the VM only on {@code migration.complete} with a matching digest. A session that ends first
 * takes its incoming disk with it, so a failed migration leaves nothing behind.
 */
final class DestinationService {
    private static final Logger LOG = Logger.getLogger(DestinationService.class.getName());

    private final AgentConfig config;
    private final DataDirectory data;
    private final VmInventory inventory;
    private final MigrationBoard board;
    private final ExecutorService workers;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, IncomingMigration> incoming = new ConcurrentHashMap<>();

    DestinationService(AgentConfig config, DataDirectory data, VmInventory inventory, MigrationBoard board, ExecutorService workers) {
        this.config = config;
        this.data = data;
        this.inventory = inventory;
        this.board = board;
        this.workers = workers;
    }

    /** Installs the stream layer on a connection whose attestation both sides accepted. */
    void accept(AttestedConnection connection) {
        String peer = connection.peerHost();
        AttestedSession.start(connection, MuxConfig.defaults(), in -> route(peer, in)).whenComplete((session, failure) -> {
            if (failure != null) {
                LOG.warning("session with " + peer + " failed to start: " + failure.getMessage());
                return;
            }
            session.streams().closeFuture().whenComplete((reason, e) -> discardOwnedBy(session.streams(), "session with " + peer + " ended: " + reason));
        });
    }

    private void route(String peer, IncomingStream in) {
        if (in.kind() == StreamKind.CONTROL) {
            // Handlers run on the agent's workers: they touch files and hash disks, never on the event loop.
            ControlChannel control = new ControlChannel(json, workers);
            MuxSession session = in.session();
            control.onRequest(PeerProtocol.BEGIN, body -> begin(peer, session, body))
                    .onRequest(PeerProtocol.COMPLETE, body -> complete(peer, session, body))
                    .onRequest(PeerProtocol.ABORT, body -> abort(peer, session, body));
            control.attach(in.accept());
        } else if (in.kind() == StreamKind.BYTES && in.metadata().containsKey(PeerProtocol.DISK)) {
            String vm = in.metadata().get(PeerProtocol.DISK);
            IncomingMigration m = incoming.get(vm);
            if (m == null || !m.ownedBy(in.session())) {
                LOG.warning("refused a disk stream for " + vm + " from " + peer + ": no migration of it was begun on this session");
                in.reject(ErrorCode.NOT_ALLOWED, "no migration of " + vm + " was begun on this session");
                return;
            }
            m.receive(in.accept());
            board.update("incoming:" + vm, MigrationProgress.phase("receiving", m.sizeBytes(), "from " + peer));
        } else {
            LOG.warning("refused a " + in.kind() + " stream from " + peer + ": agents exchange migration control and disk streams only");
            in.reject(ErrorCode.NOT_ALLOWED, "this agent accepts migration control and disk streams only");
        }
    }

    private Map<String, Object> begin(String peer, MuxSession session, JsonNode body) throws IOException {
        String vm = body.path("vm").asText();
        long size = body.path("sizeBytes").asLong(-1);
        int chunk = body.path("chunkSize").asInt(-1);
        if (!AgentConfigReader.validVmName(vm)) {
            throw new IllegalArgumentException("'" + vm + "' is not a VM name");
        }
        ChunkLayout layout;
        try {
            layout = new ChunkLayout(size, chunk);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("disk layout of " + vm + " refused: " + e.getMessage());
        }
        if (inventory.isServed(vm)) {
            throw new IllegalStateException("VM " + vm + " is already served by " + config.hostName());
        }
        Path target = config.vms().getOrDefault(vm, data.migratedInDisk(vm));
        if (Files.exists(target)) {
            throw new IllegalStateException("VM " + vm + " already has a disk on " + config.hostName() + " (" + target + ")");
        }
        IncomingMigration m;
        synchronized (incoming) {
            if (incoming.containsKey(vm)) {
                throw new IllegalStateException("VM " + vm + " is already arriving from " + incoming.get(vm).peerHost());
            }
            m = IncomingMigration.prepare(data, vm, peer, session, layout, target);
            incoming.put(vm, m);
        }
        board.begin(vm, "incoming", peer, size);
        LOG.info("migration of " + vm + " (" + size + " bytes) from " + peer + " begun; receiving into " + data.incomingDisk(vm));
        return Map.of("accepted", true, "host", config.hostName());
    }

    private Map<String, Object> complete(String peer, MuxSession session, JsonNode body) throws Exception {
        String vm = body.path("vm").asText();
        IncomingMigration m = owned(vm, session);
        board.update("incoming:" + vm, MigrationProgress.phase("completing", m.sizeBytes(), "verifying the digest"));
        String digest;
        try {
            digest = m.complete(body.path("digest").asText());
            ServedVm served = inventory.serve(vm, m.target());
            LOG.info("migration of " + vm + " from " + peer + " completed: digest " + digest + "; now serving it on " + served.socket());
            return Map.of("served", true, "digest", digest, "socket", served.socket().toString());
        } catch (Exception e) {
            LOG.warning("migration of " + vm + " from " + peer + " could not complete, discarded: " + e.getMessage());
            m.discard();
            throw e;
        } finally {
            forget(m);
        }
    }

    private Map<String, Object> abort(String peer, MuxSession session, JsonNode body) {
        String vm = body.path("vm").asText();
        IncomingMigration m = owned(vm, session);
        LOG.info("migration of " + vm + " from " + peer + " aborted by the source: " + body.path("reason").asText());
        m.discard();
        forget(m);
        return Map.of("discarded", true);
    }

    private IncomingMigration owned(String vm, MuxSession session) {
        IncomingMigration m = incoming.get(vm);
        if (m == null || !m.ownedBy(session)) {
            throw new IllegalStateException("no migration of " + vm + " was begun on this session");
        }
        return m;
    }

    private void forget(IncomingMigration m) {
        incoming.remove(m.vm(), m);
        board.end("incoming:" + m.vm());
    }

    private void discardOwnedBy(MuxSession session, String why) {
        for (IncomingMigration m : incoming.values()) {
            if (m.ownedBy(session)) {
                workers.execute(() -> {
                    LOG.info("discarding the incoming disk of " + m.vm() + ": " + why);
                    m.discard();
                    forget(m);
                });
            }
        }
    }

    /** Discards every incoming disk (agent shutdown). */
    void close() {
        for (IncomingMigration m : incoming.values()) {
            m.discard();
            forget(m);
        }
    }
}
