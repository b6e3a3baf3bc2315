package org.attestedmigration.migrationcore.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
 *
 * <p>Each record is also written to {@code DATA/outgoing/NAME.indoubt}: an agent restarted while a
 * migration is in doubt does not serve that VM (its disk was not renamed yet) until it is resolved.
 */
final class InDoubtMigrations {
    private static final Logger LOG = Logger.getLogger(InDoubtMigrations.class.getName());
    private static final Duration STEP = Duration.ofSeconds(30);

    /**
     * A migration in doubt.
     *
     * @param served     the VM as this agent still holds it (paused, claimed), or null after a restart
     * @param guest      the guest's memory migration, or null for a disk alone or after a restart
     * @param handedOver the guest was given up here: it can only ever run at the destination
     */
    record InDoubt(String vm, Path disk, HostPort destination, ReplicationJournal journal, ServedVm served, OutgoingGuest guest,
            boolean handedOver) {
        static InDoubt held(ServedVm served, HostPort destination, ReplicationJournal journal, OutgoingGuest guest, boolean handedOver) {
            return new InDoubt(served.name(), served.disk(), destination, journal, served, guest, handedOver);
        }
    }

    /** What a restarted agent does with a VM whose migration turns out not to have happened: serve it (and boot its guest). */
    @FunctionalInterface
    interface Restart {
        void serve(String vm, Path disk) throws Exception;
    }

    /** The file form of a record. */
    record Saved(String destination, String disk, boolean handedOver) {
    }

    private final Map<String, InDoubt> byVm = new ConcurrentHashMap<>();
    private final AttestedEndpoint endpoint;
    private final VmInventory inventory;
    private final DataDirectory data;
    private final Restart restart;
    private final ObjectMapper json = new ObjectMapper();

    InDoubtMigrations(AttestedEndpoint endpoint, VmInventory inventory, DataDirectory data, Restart restart) {
        this.endpoint = endpoint;
        this.inventory = inventory;
        this.data = data;
        this.restart = restart;
    }

    /** Holds {@code migration} until resolved, here and on disk. */
    void register(InDoubt migration) {
        byVm.put(migration.vm(), migration);
        try {
            json.writeValue(data.inDoubt(migration.vm()).toFile(), new Saved(migration.destination().toString(), migration.disk().toString(),
                    migration.handedOver()));
        } catch (IOException e) {
            LOG.severe("could not record the in-doubt migration of " + migration.vm() + " (a restart would serve it again): " + e.getMessage());
        }
    }

    /**
     * Reads the records an earlier run of this agent left.
     *
     * @return the VMs in doubt, which must not be served until resolved
     */
    Set<String> recover() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(data.outgoing(), "*" + DataDirectory.IN_DOUBT)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                String vm = name.substring(0, name.length() - DataDirectory.IN_DOUBT.length());
                Saved saved;
                try {
                    saved = json.readValue(f.toFile(), Saved.class);
                } catch (IOException e) {
                    throw new IOException("the in-doubt record " + f + " is unreadable (" + e.getMessage()
                            + "); find out where " + vm + " runs, then remove the file", e);
                }
                byVm.put(vm, new InDoubt(vm, Path.of(saved.disk()), HostPort.parse(saved.destination()),
                        new ReplicationJournal(data.outgoingJournal(vm)), null, null, saved.handedOver()));
                LOG.warning("VM " + vm + ": its migration to " + saved.destination() + " is in doubt; not served until `resolve`");
            }
        }
        return Set.copyOf(byVm.keySet());
    }

    /** The VMs in doubt now. */
    Set<String> vms() {
        return Set.copyOf(byVm.keySet());
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
                        + d.disk() + ", which is intact");
            }
            if (d.served() == null) {
                // A restart lost the paused guest's memory: the VM comes back from its disk, as after a power cut.
                try {
                    restart.serve(vm, d.disk());
                } catch (Exception e) {
                    return outcome(d, start, MigrationOutcome.Result.IN_DOUBT, peer.host + " does not run " + vm + ", but serving it here failed: "
                            + OutgoingMigration.message(e));
                }
                return settled(d, start, MigrationOutcome.Result.ABORTED, peer.host + " does not run " + vm
                        + "; served here again from its disk (the paused guest's memory did not survive the agent's restart)");
            }
            d.served().hook().gate().resume();
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
            return inventory.retire(d.vm(), d.disk()).toString();
        } catch (IOException e) {
            return d.disk() + " (not renamed: " + e.getMessage() + ")";
        }
    }

    private MigrationOutcome settled(InDoubt d, long start, MigrationOutcome.Result result, String message) {
        byVm.remove(d.vm());
        try {
            Files.deleteIfExists(data.inDoubt(d.vm()));
        } catch (IOException e) {
            LOG.warning("could not remove " + data.inDoubt(d.vm()) + ": " + e.getMessage());
        }
        LOG.info("in-doubt migration of " + d.vm() + " resolved: " + message);
        return outcome(d, start, result, "resolved: " + message);
    }

    private static MigrationOutcome outcome(InDoubt d, long start, MigrationOutcome.Result result, String message) {
        return MigrationOutcome.failure(result, d.vm(), d.destination().toString(), message, List.of(), 0,
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
