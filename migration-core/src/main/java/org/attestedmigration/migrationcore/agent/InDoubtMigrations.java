package org.attestedmigration.migrationcore.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;
import org.attestedmigration.migrationcore.replication.ReplicationJournal;
import org.attestedmigration.securechannel.AttestedSession;
import org.attestedmigration.securechannel.handshake.AttestedConnection;
import org.attestedmigration.securechannel.handshake.AttestedEndpoint;
import org.attestedmigration.securechannel.handshake.MigrationRole;
import org.attestedmigration.securechannel.mux.ControlChannel;
import org.attestedmigration.securechannel.mux.ErrorCode;
import org.attestedmigration.securechannel.mux.MuxConfig;

/**
 * Migrations whose switchover succeeded but whose last answer was lost, and their resolution:
 * the source asks the destination, on a new attested session, whether it runs the VM, and only
 * then lets go of it or resumes it. Until resolved the VM stays paused and claimed here, so it
 * never runs in two places.
 */
final class InDoubtMigrations {
    private static final Logger LOG = Logger.getLogger(InDoubtMigrations.class.getName());
    private static final Duration STEP = Duration.ofSeconds(30);

    /**
     * A migration in doubt.
     *
     * @param guest      the guest's memory migration, or null for a disk alone
     * @param handedOver the guest was given up here: it can only ever run at the destination
     */
    record InDoubt(ServedVm vm, HostPort destination, ReplicationJournal journal, OutgoingGuest guest, boolean handedOver) {
    }

    private final Map<String, InDoubt> byVm = new ConcurrentHashMap<>();
    private final AttestedEndpoint endpoint;
    private final VmInventory inventory;
    private final ObjectMapper json = new ObjectMapper();

    InDoubtMigrations(AttestedEndpoint endpoint, VmInventory inventory) {
        this.endpoint = endpoint;
        this.inventory = inventory;
    }

    void register(InDoubt migration) {
        byVm.put(migration.vm().name(), migration);
    }

    Optional<InDoubt> find(String vm) {
        return Optional.ofNullable(byVm.get(vm));
    }

    /** Finds out where the VM runs and settles it; never throws for an unreachable destination (still in doubt). */
    MigrationOutcome resolve(String vm) throws InterruptedException {
        long start = System.nanoTime();
        InDoubt d = byVm.get(vm);
        if (d == null) {
            return MigrationOutcome.failure(MigrationOutcome.Result.INVALID, vm, "", "no migration of " + vm + " is in doubt on this host",
                    List.of(), 0, 0);
        }
        String to = d.destination().toString();
        try (Peer peer = Peer.connect(endpoint, d.destination(), json)) {
            JsonNode state = OutgoingMigration.await(peer.control.request(PeerProtocol.QUERY, Map.of("vm", vm)), STEP);
            boolean serves = state.path("serves").asBoolean();
            boolean guestRuns = "running".equals(state.path("guest").asText(null));
            if (serves && (d.guest() == null || guestRuns)) {
                return settled(d, start, MigrationOutcome.Result.MIGRATED, peer.host + " runs " + vm + "; this host's copy is kept as "
                        + retire(d));
            }
            if (serves) {
                // Its disk is served there but its guest never ran there: take it back before resuming it here.
                OutgoingMigration.await(peer.control.request(PeerProtocol.RELEASE, Map.of("vm", vm)), STEP);
            }
            if (d.handedOver()) {
                LOG.severe("VM " + vm + ": its guest was handed over to " + peer.host + " but does not run there");
                return outcome(d, start, MigrationOutcome.Result.IN_DOUBT, "the guest of " + vm + " was handed over to " + peer.host
                        + " but does not run there, and the handover fence forbids resuming it here: boot " + vm + " from its disk "
                        + d.vm().disk() + ", which is intact");
            }
            d.vm().hook().gate().resume();
            if (d.guest() != null) {
                d.guest().abort(peer.host + " does not run it");
            }
            inventory.release(vm);
            return settled(d, start, MigrationOutcome.Result.ABORTED, peer.host + " does not run " + vm + "; it resumed on this host");
        } catch (ExecutionException | TimeoutException e) {
            return outcome(d, start, MigrationOutcome.Result.IN_DOUBT, "still in doubt: " + to + " did not answer ("
                    + OutgoingMigration.message(e) + "); the VM stays paused here");
        }
    }

    private String retire(InDoubt d) {
        if (d.guest() != null) {
            d.guest().destroy();
        }
        OutgoingMigration.deleteQuietly(d.journal());
        try {
            return inventory.retire(d.vm().name(), d.vm().disk()).toString();
        } catch (IOException e) {
            return d.vm().disk() + " (not renamed: " + e.getMessage() + ")";
        }
    }

    private MigrationOutcome settled(InDoubt d, long start, MigrationOutcome.Result result, String message) {
        byVm.remove(d.vm().name());
        LOG.info("in-doubt migration of " + d.vm().name() + " resolved: " + message);
        return outcome(d, start, result, "resolved: " + message);
    }

    private static MigrationOutcome outcome(InDoubt d, long start, MigrationOutcome.Result result, String message) {
        return MigrationOutcome.failure(result, d.vm().name(), d.destination().toString(), message, List.of(), 0,
                (System.nanoTime() - start) / 1_000_000);
    }

    /** A fresh attested session with the destination and its control stream. */
    private static final class Peer implements AutoCloseable {
        private final AttestedSession session;
        private final ControlChannel control;
        private final String host;

        private Peer(AttestedSession session, ControlChannel control, String host) {
            this.session = session;
            this.control = control;
            this.host = host;
        }

        static Peer connect(AttestedEndpoint endpoint, HostPort to, ObjectMapper json) throws ExecutionException, TimeoutException,
                InterruptedException {
            AttestedConnection connection = endpoint.connect(to.host(), to.port(), MigrationRole.SOURCE).get(STEP.toSeconds(), TimeUnit.SECONDS);
            AttestedSession session = AttestedSession.start(connection, MuxConfig.defaults(),
                    in -> in.reject(ErrorCode.NOT_ALLOWED, "a migration source accepts no streams")).get(STEP.toSeconds(), TimeUnit.SECONDS);
            try {
                ControlChannel control = new ControlChannel(json).openOn(session.streams()).get(STEP.toSeconds(), TimeUnit.SECONDS);
                return new Peer(session, control, connection.peerHost());
            } catch (ExecutionException | TimeoutException | InterruptedException e) {
                session.close();
                throw e;
            }
        }

        @Override
        public void close() {
            session.close();
        }
    }
}
