package org.attestedmigration.migrationcore.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Optional;
import org.attestedmigration.migrationcore.hypervisor.HypervisorException;
import org.attestedmigration.migrationcore.hypervisor.Vm;
import org.attestedmigration.migrationcore.hypervisor.VmState;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.attestedmigration.migrationcore.replication.ChunkTransport;
import org.attestedmigration.migrationcore.replication.EmbeddedReplicator;
import org.attestedmigration.migrationcore.replication.ReplicationException;
import org.attestedmigration.migrationcore.replication.ReplicationJournal;
import org.attestedmigration.migrationcore.replication.ReplicationProgress;
import org.attestedmigration.migrationcore.replication.ReplicationSettings;
import org.attestedmigration.migrationcore.replication.SwitchoverResult;
import org.attestedmigration.migrationcore.transport.StreamChunkTransport;
import org.attestedmigration.securechannel.AttestedSession;
import org.attestedmigration.securechannel.handshake.AttestationRejectedException;
import org.attestedmigration.securechannel.handshake.AttestedConnection;
import org.attestedmigration.securechannel.handshake.AttestedEndpoint;
import org.attestedmigration.securechannel.handshake.MigrationRole;
import org.attestedmigration.securechannel.mux.ControlChannel;
import org.attestedmigration.securechannel.mux.ErrorCode;
import org.attestedmigration.securechannel.mux.MuxConfig;
import org.attestedmigration.securechannel.mux.MuxStream;
import org.attestedmigration.securechannel.mux.StreamKind;

/**
 * The source's half of a migration: attest the destination (a refusal ends it before any byte of
 * the VM is sent), ask it to prepare, replicate the disk while the VM keeps writing, switch over
 * with equal digests, have the destination take the VM over, and only then stop serving it here.
 * Every failure before the switchover leaves the VM running here on its untouched disk.
 *
 * <p>A connection lost before the switchover is retried ({@link MigrationRequest#retries}, with
 * back-off): each attempt attests the destination afresh, and the destination's parked disk plus
 * both journals let it resume without sending confirmed chunks again.
 */
final class OutgoingMigration {
    private static final Logger LOG = Logger.getLogger(OutgoingMigration.class.getName());
    private static final Duration CONNECT = Duration.ofSeconds(90);
    private static final Duration STEP = Duration.ofSeconds(30);
    /** The destination hashes the whole disk before it answers. */
    private static final Duration COMPLETE = Duration.ofMinutes(10);
    /** How long a failed step waits for the session's close to tell a lost link from a refusal. */
    private static final Duration LOST_GRACE = Duration.ofMillis(500);

    private final AttestedEndpoint endpoint;
    private final VmInventory inventory;
    private final MigrationBoard board;
    private final DataDirectory data;
    private final ObjectMapper json = new ObjectMapper();
    private final SimulatedGuests guests;
    private final InDoubtMigrations inDoubt;

    OutgoingMigration(AttestedEndpoint endpoint, VmInventory inventory, MigrationBoard board, DataDirectory data, SimulatedGuests guests,
            InDoubtMigrations inDoubt) {
        this.guests = guests;
        this.inDoubt = inDoubt;
        this.endpoint = endpoint;
        this.inventory = inventory;
        this.board = board;
        this.data = data;
    }

    /** Runs one migration to its end on the calling thread; never throws for a failed migration. */
    MigrationOutcome run(MigrationRequest request, Consumer<MigrationProgress> listener) {
        long start = System.nanoTime();
        String peer = request.destination().toString();
        ServedVm vm;
        try {
            vm = inventory.claim(request.vm());
        } catch (IllegalStateException e) {
            return MigrationOutcome.failure(MigrationOutcome.Result.INVALID, request.vm(), peer, e.getMessage(), List.of(), 0, 0);
        }
        String key = board.begin(vm.name(), "outgoing", peer, vm.image().size());
        Consumer<MigrationProgress> progress = p -> {
            board.update(key, p);
            listener.accept(p);
        };
        MigrationOutcome outcome = null;
        long earlierBytes = 0;
        try {
            for (int number = 1; ; number++) {
                Attempt attempt = new Attempt(request, vm, start, number, earlierBytes, progress);
                try {
                    outcome = attempt.run();
                } catch (RuntimeException e) {
                    outcome = attempt.outcome(MigrationOutcome.Result.ABORTED, "internal error: " + e, List.of());
                    LOG.log(java.util.logging.Level.SEVERE, "migration of " + vm.name() + " failed", e);
                    return outcome;
                }
                if (!attempt.linkLost || number > request.retries()) {
                    return outcome;
                }
                earlierBytes = attempt.bytesSent;
                Duration wait = backoff(number);
                LOG.warning("migration of " + vm.name() + ": attempt " + number + " lost the connection (" + outcome.message() + "); attempt "
                        + (number + 1) + " of " + (request.retries() + 1) + " in " + wait.toMillis() + " ms");
                progress.accept(MigrationProgress.phase("reconnecting", vm.image().size(), "attempt " + (number + 1) + " of "
                        + (request.retries() + 1) + " in " + wait.toMillis() + " ms after: " + outcome.message()));
                Thread.sleep(wait.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return outcome;
        } finally {
            board.end(key);
            // An in-doubt VM stays claimed: paused here, possibly running there; an operator decides.
            if (outcome == null || (outcome.result() != MigrationOutcome.Result.MIGRATED && outcome.result() != MigrationOutcome.Result.IN_DOUBT)) {
                inventory.release(vm.name());
            }
        }
    }

    /** 1 s, 2 s, 4 s, ... capped at 15 s: long enough for a destination to restart, short enough for a network blip. */
    private static Duration backoff(int failedAttempts) {
        return Duration.ofMillis(Math.min(15_000L, 1_000L << Math.min(failedAttempts - 1, 4)));
    }

    /** One attempt of a migration, so the steps can share its state without long parameter lists. */
    private final class Attempt {
        private final MigrationRequest request;
        private final ServedVm vm;
        private final long start;
        private final int number;
        private final long earlierBytes;
        private final long size;
        private final Consumer<MigrationProgress> progress;
        /** Disk bytes sent so far by every attempt, this one included. */
        private long bytesSent;
        /** The connection was lost (or never made) before the switchover: another attempt may resume. */
        private boolean linkLost;
        /** The guest was given up here against the destination's receipt: it can never run here again. */
        private boolean guestHandedOver;

        Attempt(MigrationRequest request, ServedVm vm, long start, int number, long earlierBytes, Consumer<MigrationProgress> progress) {
            this.request = request;
            this.vm = vm;
            this.start = start;
            this.number = number;
            this.earlierBytes = earlierBytes;
            this.bytesSent = earlierBytes;
            this.size = vm.image().size();
            this.progress = progress;
        }

        MigrationOutcome run() {
            HostPort to = request.destination();
            progress.accept(MigrationProgress.phase("connecting", size, "attesting " + to));
            AttestedConnection connection;
            try {
                connection = endpoint.connect(to.host(), to.port(), MigrationRole.SOURCE).get(CONNECT.toSeconds(), TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                return notConnected(e.getCause());
            } catch (TimeoutException e) {
                linkLost = true;
                return outcome(MigrationOutcome.Result.ABORTED, "the attested handshake with " + to + " timed out", List.of());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return outcome(MigrationOutcome.Result.ABORTED, "interrupted while connecting", List.of());
            }
            LOG.info("verdict on " + connection.peerHost() + " (" + to + ") as destination of " + vm.name() + ": "
                    + connection.localVerdict().decision() + "; its verdict on us: " + connection.peerVerdict().decision());
            try (AttestedSession session = AttestedSession.start(connection, MuxConfig.defaults(),
                    in -> in.reject(ErrorCode.NOT_ALLOWED, "a migration source accepts no streams")).get(STEP.toSeconds(), TimeUnit.SECONDS)) {
                return migrate(session, connection.peerHost());
            } catch (ExecutionException | TimeoutException e) {
                linkLost = true;
                return outcome(MigrationOutcome.Result.ABORTED, "the session with " + to + " failed: " + message(e), List.of());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return outcome(MigrationOutcome.Result.ABORTED, "interrupted", List.of());
            }
        }

        private MigrationOutcome notConnected(Throwable cause) {
            if (cause instanceof AttestationRejectedException rejected) {
                String who = rejected.rejectedBy() == AttestationRejectedException.RejectedBy.LOCAL
                        ? "this host rejected the destination " + rejected.peerHost()
                        : "the destination " + rejected.peerHost() + " rejected this host";
                LOG.warning("migration of " + vm.name() + " to " + request.destination() + " REFUSED at " + rejected.step() + ": " + who
                        + ": " + rejected.verdict().reasons());
                return outcome(MigrationOutcome.Result.REFUSED, "refused by attestation: " + who + " at " + rejected.step(),
                        rejected.verdict().reasons());
            }
            // Not a verdict: the destination is down, restarting or unreachable for now.
            linkLost = true;
            LOG.warning("migration of " + vm.name() + " to " + request.destination() + ": no attested connection: " + message(cause));
            return outcome(MigrationOutcome.Result.ABORTED, "no attested connection to " + request.destination() + ": " + message(cause),
                    List.of());
        }

        private MigrationOutcome migrate(AttestedSession session, String peerHost) throws InterruptedException, ExecutionException,
                TimeoutException {
            ControlChannel control = new ControlChannel(json).openOn(session.streams()).get(STEP.toSeconds(), TimeUnit.SECONDS);
            // A guest that runs here migrates with its disk; a disk alone (no guest, or one already paused) migrates as before.
            Optional<Vm> guestVm = guests.find(vm.name()).filter(g -> g.state() == VmState.RUNNING);
            Map<String, Object> begin = new HashMap<>(Map.of("vm", vm.name(), "sizeBytes", size, "chunkSize", ServedVm.CHUNK_SIZE));
            guestVm.ifPresent(g -> begin.put("memoryMib", g.spec().memoryBytes() >> 20));
            progress.accept(MigrationProgress.phase("preparing", size, peerHost + " prepares an empty disk"
                    + (guestVm.isPresent() ? " and an empty guest" : "")));
            try {
                JsonNode begun = await(control.request(PeerProtocol.BEGIN, begin), STEP);
                if (begun.path("resumed").asBoolean()) {
                    progress.accept(MigrationProgress.phase("resuming", size, peerHost + " kept the disk of an earlier attempt"));
                }
            } catch (ExecutionException e) {
                if (lost(session)) {
                    return outcome(MigrationOutcome.Result.ABORTED, "the connection to " + peerHost + " was lost: " + message(e), List.of());
                }
                return outcome(MigrationOutcome.Result.ABORTED, peerHost + " declined the migration: " + message(e), List.of());
            }
            MuxStream stream = session.streams().open(StreamKind.BYTES, Map.of(PeerProtocol.DISK, vm.name()))
                    .get(STEP.toSeconds(), TimeUnit.SECONDS);
            MuxStream memoryStream = guestVm.isEmpty() ? null
                    : session.streams().open(StreamKind.BYTES, Map.of(PeerProtocol.MEMORY, vm.name())).get(STEP.toSeconds(), TimeUnit.SECONDS);
            ReplicationJournal journal = new ReplicationJournal(data.outgoingJournal(vm.name()));
            SwitchoverResult result;
            OutgoingGuest guest = null;
            ChunkTransport transport = RateLimitedTransport.limit(new StreamChunkTransport(stream), request.maxBandwidthBytesPerSecond());
            try (EmbeddedReplicator replicator = new EmbeddedReplicator(vm.image(), vm.hook(), transport, journal, settings(),
                    this::replicationProgress)) {
                replicator.converge();
                if (memoryStream == null) {
                    result = replicator.switchover();
                } else {
                    // The disk is all there and mirrored: the bar stays full while the memory goes.
                    progress.accept(new MigrationProgress("memory", size, size, 0, "pre-copy of the guest's memory while the disk mirrors"));
                    guest = OutgoingGuest.start(guests, guestVm.get(), memoryStream);
                    // Hash both images while pre-copy runs, so the pause re-reads only what changed since.
                    replicator.prepareSwitchover();
                    result = guest.stopAndCopy(replicator, vm.hook());
                }
            } catch (HypervisorException | TimeoutException e) {
                // Before handover every memory failure leaves the guest running here (the hypervisor resumed it).
                return rolledBack(session, control, peerHost, guest, memoryStream, transport, journal,
                        "the memory migration failed: " + message(e));
            } catch (ReplicationException e) {
                return rolledBack(session, control, peerHost, guest, memoryStream, transport, journal,
                        "replication failed during " + e.phase().name().toLowerCase(Locale.ROOT) + ": " + e.getMessage());
            }
            // The destination's disk service ends when it sees this clean end of stream.
            transport.close();
            bytesSent = earlierBytes + result.bytesSent();
            LOG.info("switchover of " + vm.name() + ": writes paused " + result.pausedFor().toMillis() + " ms (last " + result.finalChunks()
                    + " chunks " + result.drained().toMillis() + " ms, destination flush " + result.flushed().toMillis()
                    + " ms, re-read and compare " + result.verified().toMillis() + " ms)");
            return handOver(session, control, peerHost, result, journal, guest);
        }

        /**
         * A failure before the switchover: the guest and its writes go on here. If the connection was
         * lost, the journal stays for the next attempt (the destination parked its disk); otherwise the
         * destination is told to discard its disk and the journal goes.
         */
        private MigrationOutcome rolledBack(AttestedSession session, ControlChannel control, String peerHost, OutgoingGuest guest,
                MuxStream memoryStream, ChunkTransport transport, ReplicationJournal journal, String why) throws InterruptedException {
            if (guest != null) {
                guest.abort(why);
            }
            vm.hook().gate().resume();
            if (memoryStream != null) {
                memoryStream.reset(why);
            }
            transport.close();
            if (lost(session)) {
                LOG.warning("migration of " + vm.name() + ": the connection to " + peerHost + " was lost, the VM runs here: " + why);
                return outcome(MigrationOutcome.Result.ABORTED, "the connection to " + peerHost + " was lost (" + why
                        + "); the VM keeps running on this host", List.of());
            }
            abortQuietly(control, why);
            deleteQuietly(journal);
            LOG.warning("migration of " + vm.name() + " to " + peerHost + " aborted, the VM runs here: " + why);
            return outcome(MigrationOutcome.Result.ABORTED, why + "; the VM keeps running on this host", List.of());
        }

        /** True (and remembered) if the session ended: a failure seen just before its close counts as the close. */
        private boolean lost(AttestedSession session) throws InterruptedException {
            try {
                session.streams().closeFuture().get(LOST_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                linkLost = true;
            } catch (ExecutionException e) {
                linkLost = true;
            } catch (TimeoutException e) {
                // Still open: the peer is reachable, so the failure is its answer, not the link.
            }
            return linkLost;
        }

        /** After switchover: the VM's writes are paused here; the destination verifies and serves, then this host lets go. */
        private MigrationOutcome handOver(AttestedSession session, ControlChannel control, String peerHost, SwitchoverResult result,
                ReplicationJournal journal, OutgoingGuest guest) throws InterruptedException {
            String digest = HexFormat.of().formatHex(result.root());
            progress.accept(new MigrationProgress("completing", size, size, 0, peerHost + " verifies the disk and takes the VM over"));
            JsonNode answer;
            try {
                answer = await(control.request(PeerProtocol.COMPLETE, Map.of("vm", vm.name(), "digest", digest)), COMPLETE);
            } catch (ExecutionException | TimeoutException e) {
                if (e instanceof ExecutionException && session.streams().isOpen()) {
                    // The destination answered no: it does not serve the VM, so this host safely resumes it.
                    vm.hook().gate().resume();
                    if (guest != null) {
                        guest.abort(peerHost + " declined to take over");
                    }
                    deleteQuietly(journal);
                    LOG.warning("migration of " + vm.name() + ": " + peerHost + " declined to take over, resumed here: " + message(e));
                    return outcome(MigrationOutcome.Result.ABORTED, peerHost + " declined to take the VM over: " + message(e)
                            + "; the VM resumed on this host", List.of());
                }
                LOG.severe("migration of " + vm.name() + ": the answer of " + peerHost + " was lost after switchover; the VM stays paused here");
                inDoubt.register(InDoubtMigrations.InDoubt.held(vm, request.destination(), journal, guest, false));
                return outcome(MigrationOutcome.Result.IN_DOUBT, "switchover done but the answer of " + peerHost + " was lost (" + message(e)
                        + "); the VM is paused on this host: run `resolve` to find out where it runs", List.of());
            }
            long downtime = 0;
            if (guest != null) {
                try {
                    downtime = resumeThere(control, peerHost, guest, answer.path("receipt").asText());
                } catch (HypervisorException | ExecutionException | TimeoutException e) {
                    LOG.severe("migration of " + vm.name() + ": the guest's handover to " + peerHost + " failed: " + message(e));
                    inDoubt.register(InDoubtMigrations.InDoubt.held(vm, request.destination(), journal, guest, guestHandedOver));
                    return outcome(MigrationOutcome.Result.IN_DOUBT, peerHost + " serves the disk but the guest's handover failed ("
                            + message(e) + "); the guest is " + (guestHandedOver ? "handed over" : "paused here")
                            + ": run `resolve` to find out where it runs", List.of());
                }
            }
            progress.accept(new MigrationProgress("detaching", size, size, 0, "this host stops serving " + vm.name()));
            String kept;
            try {
                kept = detach(journal);
            } catch (IOException e) {
                LOG.warning("migration of " + vm.name() + " done, but detaching here failed: " + e.getMessage());
                kept = vm.disk() + " (not renamed: " + e.getMessage() + ")";
            }
            long total = (System.nanoTime() - start) / 1_000_000;
            LOG.info("migration of " + vm.name() + " to " + peerHost + " completed in " + total + " ms; the disk is kept as " + kept);
            return new MigrationOutcome(MigrationOutcome.Result.MIGRATED, vm.name(), request.destination().toString(),
                    "migrated to " + peerHost + (number > 1 ? " in " + number + " attempts" : "") + "; this host's copy is kept as " + kept,
                    List.of(), digest, answer.path("digest").asText(), bytesSent, result.pausedFor().toMillis(), total,
                    guest == null ? 0 : guest.bytesSent(), downtime);
        }

        /**
         * Gives the guest up against the destination's receipt and has it resumed there with the token.
         *
         * @return the guest's downtime the destination measured, in ms
         */
        private long resumeThere(ControlChannel control, String peerHost, OutgoingGuest guest, String receipt) throws HypervisorException,
                ExecutionException, TimeoutException, InterruptedException {
            progress.accept(new MigrationProgress("handover", size, size, 0, peerHost + " resumes the guest"));
            String token = guest.handOver(receipt);
            guestHandedOver = true;
            JsonNode resumed = await(control.request(PeerProtocol.HANDOVER, Map.of("vm", vm.name(), "token", token)), STEP);
            guest.destroy();
            return resumed.path("downtimeMillis").asLong();
        }

        /** Stops serving the VM here and renames its disk so that nothing serves it again by mistake. */
        private String detach(ReplicationJournal journal) throws IOException {
            deleteQuietly(journal);
            return inventory.retire(vm.name(), vm.disk()).toString();
        }

        private void replicationProgress(ReplicationProgress p) {
            bytesSent = earlierBytes + p.bytesSent();
            String detail = p.dirtyChunks() + " dirty chunks" + (p.round() > 0 ? ", round " + p.round() : "")
                    + (p.writeLimitBytesPerSecond() > 0 ? ", guest writes limited to " + p.writeLimitBytesPerSecond() / 1000 + " kB/s" : "");
            // Done = what the destination holds: a resumed attempt starts where the last one stopped.
            progress.accept(new MigrationProgress(p.phase().name().toLowerCase(Locale.ROOT), Math.max(0, size - p.dirtyBytes()), size,
                    p.bytesPerSecond(), detail));
        }

        private ReplicationSettings settings() {
            return ReplicationSettings.defaults(request.mode()).withConvergence(8L << 20, Duration.ofSeconds(30), true);
        }

        private void abortQuietly(ControlChannel control, String reason) {
            try {
                await(control.request(PeerProtocol.ABORT, Map.of("vm", vm.name(), "reason", String.valueOf(reason))), STEP);
            } catch (ExecutionException | TimeoutException e) {
                LOG.info("the destination did not confirm the abort (it discards the disk when the session ends): " + message(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        MigrationOutcome outcome(MigrationOutcome.Result result, String message, List<String> reasons) {
            return MigrationOutcome.failure(result, vm.name(), request.destination().toString(), message, reasons, bytesSent,
                    (System.nanoTime() - start) / 1_000_000);
        }
    }

    static <T> T await(CompletableFuture<T> future, Duration timeout) throws ExecutionException, TimeoutException,
            InterruptedException {
        return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    static void deleteQuietly(ReplicationJournal journal) {
        try {
            journal.delete();
        } catch (IOException e) {
            LOG.info("could not delete " + journal.file() + ": " + e.getMessage());
        }
    }

    static String message(Throwable t) {
        Throwable c = t;
        while ((c instanceof ExecutionException || c instanceof java.util.concurrent.CompletionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }
}
