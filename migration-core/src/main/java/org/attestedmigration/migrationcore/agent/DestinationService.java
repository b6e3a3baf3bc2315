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
import org.attestedmigration.migrationcore.hypervisor.HandoverToken;
import org.attestedmigration.migrationcore.hypervisor.ResumeResult;
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
 * the VM only on {@code migration.complete} with a matching digest. A source that aborts takes
 * its incoming disk with it; a session that is lost first parks the disk ({@link ParkedDisks}) for
 * the same source to resume into. Nothing incoming is ever served.
 */
final class DestinationService {
    private static final Logger LOG = Logger.getLogger(DestinationService.class.getName());
    /** The source closes the memory stream before it asks to complete; this covers the last bytes in flight. */
    private static final java.time.Duration MEMORY_RECEIPT = java.time.Duration.ofSeconds(60);

    private final AgentConfig config;
    private final DataDirectory data;
    private final VmInventory inventory;
    private final MigrationBoard board;
    private final ExecutorService workers;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, IncomingMigration> incoming = new ConcurrentHashMap<>();
    /** Arriving guests: from {@code begin} until they run here ({@code handover}) or are discarded. */
    private final Map<String, IncomingMemory> memories = new ConcurrentHashMap<>();
    private final SimulatedGuests guests;

    DestinationService(AgentConfig config, DataDirectory data, VmInventory inventory, MigrationBoard board, ExecutorService workers,
            SimulatedGuests guests) {
        this.guests = guests;
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
            session.streams().closeFuture().whenComplete((reason, e) -> discardOwnedBy(session.streams(), peer, "session with " + peer + " ended: " + reason));
        });
    }

    private void route(String peer, IncomingStream in) {
        if (in.kind() == StreamKind.CONTROL) {
            // Handlers run on the agent's workers: they touch files and hash disks, never on the event loop.
            ControlChannel control = new ControlChannel(json, workers);
            MuxSession session = in.session();
            control.onRequest(PeerProtocol.BEGIN, body -> begin(peer, session, body))
                    .onRequest(PeerProtocol.COMPLETE, body -> complete(peer, session, body))
                    .onRequest(PeerProtocol.HANDOVER, body -> handover(peer, session, body))
                    .onRequest(PeerProtocol.ABORT, body -> abort(peer, session, body))
                    .onRequest(PeerProtocol.QUERY, body -> query(body))
                    .onRequest(PeerProtocol.RELEASE, body -> release(peer, body));
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
        } else if (in.kind() == StreamKind.BYTES && in.metadata().containsKey(PeerProtocol.MEMORY)) {
            String vm = in.metadata().get(PeerProtocol.MEMORY);
            IncomingMemory m = memories.get(vm);
            if (m == null || !m.ownedBy(in.session())) {
                LOG.warning("refused a memory stream for " + vm + " from " + peer + ": no migration of its guest was begun on this session");
                in.reject(ErrorCode.NOT_ALLOWED, "no migration of the guest of " + vm + " was begun on this session");
                return;
            }
            m.receive(in.accept(), workers);
        } else {
            LOG.warning("refused a " + in.kind() + " stream from " + peer + ": agents exchange migration control and disk streams only");
            in.reject(ErrorCode.NOT_ALLOWED, "this agent accepts migration control and disk streams only");
        }
    }

    private Map<String, Object> begin(String peer, MuxSession session, JsonNode body) throws IOException, InterruptedException {
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
            IncomingMigration earlier = incoming.get(vm);
            if (earlier != null && earlier.peerHost().equals(peer) && !earlier.ownedBy(session)) {
                // The same source is back on a new session: its old one is dead to it, even if this side has not noticed yet.
                LOG.info("migration of " + vm + " from " + peer + " restarts on a new session; parking the disk of the old one");
                discardMemory(vm, earlier.owner());
                earlier.park();
                forget(earlier);
            }
            if (incoming.containsKey(vm)) {
                throw new IllegalStateException("VM " + vm + " is already arriving from " + incoming.get(vm).peerHost());
            }
            new ParkedDisks(data).sweep(incoming.keySet());
            m = IncomingMigration.prepare(data, vm, peer, session, layout, target);
            int memoryMib = body.path("memoryMib").asInt(0);
            if (memoryMib > 0) {
                try {
                    memories.put(vm, IncomingMemory.prepare(guests, vm, memoryMib, session));
                } catch (org.attestedmigration.migrationcore.hypervisor.HypervisorException | IllegalArgumentException e) {
                    m.discard();
                    throw new IllegalStateException("the guest of " + vm + " (" + memoryMib + " MiB) cannot be prepared: " + e.getMessage(), e);
                }
            }
            incoming.put(vm, m);
        }
        board.begin(vm, "incoming", peer, size);
        LOG.info("migration of " + vm + " (" + size + " bytes) from " + peer + (m.resumed() ? " resumed" : " begun") + "; receiving into "
                + data.incomingDisk(vm));
        return Map.of("accepted", true, "host", config.hostName(), "resumed", m.resumed());
    }

    private Map<String, Object> complete(String peer, MuxSession session, JsonNode body) throws Exception {
        String vm = body.path("vm").asText();
        IncomingMigration m = owned(vm, session);
        board.update("incoming:" + vm, MigrationProgress.phase("completing", m.sizeBytes(), "verifying the digest"));
        String digest;
        IncomingMemory memory = memories.get(vm);
        try {
            // The whole memory first: a guest that cannot run here must not leave a served disk behind.
            String receipt = memory == null ? null
                    : java.util.Base64.getEncoder().encodeToString(memory.awaitReceipt(MEMORY_RECEIPT).encode());
            digest = m.complete(body.path("digest").asText());
            ServedVm served = inventory.serve(vm, m.target());
            LOG.info("migration of " + vm + " from " + peer + " completed: digest " + digest + "; now serving it on " + served.socket()
                    + (memory == null ? "" : "; its guest waits for the handover"));
            Map<String, Object> answer = new java.util.HashMap<>(Map.of("served", true, "digest", digest, "socket", served.socket().toString()));
            if (receipt != null) {
                answer.put("receipt", receipt);
            }
            return answer;
        } catch (Exception e) {
            LOG.warning("migration of " + vm + " from " + peer + " could not complete, discarded: " + e.getMessage());
            m.discard();
            if (memory != null) {
                memory.discard();
                memories.remove(vm, memory);
            }
            throw e;
        } finally {
            forget(m);
        }
    }

    private Map<String, Object> handover(String peer, MuxSession session, JsonNode body) throws Exception {
        String vm = body.path("vm").asText();
        IncomingMemory memory = memories.get(vm);
        if (memory == null || !memory.ownedBy(session)) {
            throw new IllegalStateException("no guest of " + vm + " waits for a handover on this session");
        }
        try {
            HandoverToken token = HandoverToken.decode(java.util.Base64.getDecoder().decode(body.path("token").asText()));
            ResumeResult resumed = memory.resume(token);
            LOG.info("guest of " + vm + " from " + peer + " runs here at epoch " + resumed.epoch() + " after " + resumed.downtime().toMillis()
                    + " ms of downtime");
            return Map.of("resumed", true, "epoch", resumed.epoch(), "downtimeMillis", resumed.downtime().toMillis());
        } catch (Exception e) {
            // No second chance: a wrong token means this is not the guest the source gave up.
            LOG.warning("guest of " + vm + " from " + peer + " not resumed, discarded: " + e.getMessage());
            memory.discard();
            throw e;
        } finally {
            memories.remove(vm, memory);
        }
    }

    private Map<String, Object> abort(String peer, MuxSession session, JsonNode body) {
        String vm = body.path("vm").asText();
        IncomingMigration m = owned(vm, session);
        LOG.info("migration of " + vm + " from " + peer + " aborted by the source: " + body.path("reason").asText());
        m.discard();
        discardMemory(vm, session);
        forget(m);
        return Map.of("discarded", true);
    }

    private Map<String, Object> query(JsonNode body) {
        String vm = vmName(body);
        Map<String, Object> answer = new java.util.HashMap<>();
        answer.put("serves", inventory.isServed(vm));
        answer.put("guest", guests.state(vm));
        return answer;
    }

    /** Lets a source that still holds the guest take the VM back: only while no guest of it runs here. */
    private Map<String, Object> release(String peer, JsonNode body) throws IOException {
        String vm = vmName(body);
        IncomingMemory memory = memories.get(vm);
        if (memory != null) {
            memory.discard();
            memories.remove(vm, memory);
        }
        if (guestRuns(vm)) {
            throw new IllegalStateException("the guest of " + vm + " runs on " + config.hostName() + "; it is not released");
        }
        if (!inventory.isServed(vm)) {
            return Map.of("released", false);
        }
        unserve(vm, peer);
        return Map.of("released", true);
    }

    /**
     * Stops serving a VM whose guest never ran here and parks its disk, every chunk durable, for
     * {@code source} to resume into: nothing of it is lost if the source migrates it again.
     */
    private void unserve(String vm, String source) throws IOException {
        ServedVm served = inventory.detach(vm);
        if (served == null) {
            return;
        }
        ChunkLayout layout = new ChunkLayout(served.image().size(), ServedVm.CHUNK_SIZE);
        java.util.BitSet all = new java.util.BitSet(layout.chunkCount());
        all.set(0, layout.chunkCount());
        Files.move(served.disk(), data.incomingDisk(vm));
        new org.attestedmigration.migrationcore.replication.ReplicationJournal(data.incomingJournal(vm)).save(
                new org.attestedmigration.migrationcore.replication.JournalState(
                        org.attestedmigration.migrationcore.replication.ReplicationPhase.COMPLETED, layout, all));
        ParkedDisks parked = new ParkedDisks(data);
        parked.recordSource(vm, source);
        parked.park(vm);
        LOG.warning("stopped serving " + vm + ": its guest never ran here; the disk is parked for " + source);
    }

    private boolean guestRuns(String vm) {
        return guests.find(vm).filter(g -> g.state() == org.attestedmigration.migrationcore.hypervisor.VmState.RUNNING).isPresent();
    }

    private static String vmName(JsonNode body) {
        String vm = body.path("vm").asText();
        if (!AgentConfigReader.validVmName(vm)) {
            throw new IllegalArgumentException("'" + vm + "' is not a VM name");
        }
        return vm;
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

    private void discardMemory(String vm, MuxSession session) {
        IncomingMemory memory = memories.get(vm);
        if (memory != null && memory.ownedBy(session)) {
            memory.discard();
            memories.remove(vm, memory);
        }
    }

    private void discardOwnedBy(MuxSession session, String peer, String why) {
        for (IncomingMemory memory : memories.values()) {
            if (memory.ownedBy(session)) {
                workers.execute(() -> {
                    discardMemory(memory.vm(), session);
                    if (inventory.isServed(memory.vm()) && !guestRuns(memory.vm())) {
                        // Completed but never handed over: the source still holds the guest, so the disk must not stay served here.
                        try {
                            unserve(memory.vm(), peer);
                        } catch (IOException e) {
                            LOG.severe("could not stop serving " + memory.vm() + " whose guest never ran here: " + e.getMessage());
                        }
                    }
                });
            }
        }
        for (IncomingMigration m : incoming.values()) {
            if (m.ownedBy(session)) {
                workers.execute(() -> {
                    LOG.info("the incoming disk of " + m.vm() + " waits for its source to resume: " + why);
                    try {
                        m.park();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        forget(m);
                    }
                });
            }
        }
    }

    /** Discards every arriving guest and parks every incoming disk (agent shutdown): a restarted agent resumes them. */
    void close() {
        memories.values().forEach(IncomingMemory::discard);
        memories.clear();
        for (IncomingMigration m : incoming.values()) {
            try {
                m.park();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                m.discard();
            }
            forget(m);
        }
    }
}
