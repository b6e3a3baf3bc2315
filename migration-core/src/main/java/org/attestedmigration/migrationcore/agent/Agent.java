package org.attestedmigration.migrationcore.agent;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.policy.AdministratorKeys;
import org.attestedmigration.policy.LoadedPolicy;
import org.attestedmigration.policy.PolicyAuthority;
import org.attestedmigration.policy.PolicySerialStore;
import org.attestedmigration.securechannel.handshake.AttestationRejectedException;
import org.attestedmigration.securechannel.handshake.AttestedConnection;
import org.attestedmigration.securechannel.handshake.AttestedEndpoint;
import org.attestedmigration.securechannel.handshake.AttestedListener;
import org.attestedmigration.securechannel.handshake.HandshakeException;

/**
 * The daemon on each host ({@code attested-migrate agent}): it serves its VMs' disks over NBD (and
 * runs the guests of VMs configured as simulated, whose memory then migrates with the disk),
 * accepts migrations from attested peers, migrates VMs to attested peers on request, and answers
 * the local admin API. Every peer connection goes through the attested handshake with this host's
 * TPM and the administrator's signed policy, and every verdict is logged.
 *
 * <pre>
 * try (Agent agent = Agent.start(AgentConfigReader.read(file), Set.of())) {
 *     MigrationOutcome o = agent.migrate(new MigrationRequest("web-1", HostPort.parse("10.0.0.7:7443"), MirrorMode.SYNC, 0), p -&gt; { });
 * }
 * </pre>
 */
public final class Agent implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Agent.class.getName());
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private final AgentConfig config;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final VmInventory inventory;
    private final MigrationBoard board = new MigrationBoard();
    private final HandshakeLog handshakes = new HandshakeLog();
    private final ExecutorService workers;
    private java.util.concurrent.ScheduledExecutorService sweeper;
    private DataDirectory dataDirectory;
    private final SimulatedGuests guests;
    private DestinationService destination;
    private InDoubtMigrations inDoubt;
    private OutgoingMigration outgoing;
    private AttestedListener listener;
    private AdminServer admin;

    private Agent(AgentConfig config, DataDirectory data) {
        this.config = config;
        this.inventory = new VmInventory(data);
        this.guests = new SimulatedGuests(config.hostName(), inventory, data, vm -> {
            SimulatedVmSettings s = config.simulated().get(vm);
            return s != null && s.process();
        });
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "agent-" + config.hostName() + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Loads the policy, opens the TPM, serves the VMs whose disks are here, listens for peers and
     * opens the admin socket.
     *
     * @param waived development exceptions to the policy's signature and rollback rules (none in production)
     */
    public static Agent start(AgentConfig config, Set<PolicyAuthority.DevelopmentException> waived) throws AgentStartException {
        DataDirectory data = new DataDirectory(config.dataDirectory());
        Agent agent = new Agent(config, data);
        try {
            agent.open(data, waived);
            return agent;
        } catch (AgentStartException e) {
            agent.close();
            throw e;
        } catch (RuntimeException e) {
            agent.close();
            throw new AgentStartException("the agent failed to start: " + e, e);
        }
    }

    private void open(DataDirectory data, Set<PolicyAuthority.DevelopmentException> waived) throws AgentStartException {
        step("data directory " + config.dataDirectory(), data::create);
        LoadedPolicy policy = loadPolicy(data, waived);
        byte[] eventLog = step("event log " + config.eventLog(), () -> Files.readAllBytes(config.eventLog()));
        Tpm tpm = step("TPM " + config.tpm(), () -> Tpm.open(config.tpm()));
        resources.add(tpm);
        AttestedEndpoint endpoint = AttestedEndpoint.builder(config.hostName(), tpm, eventLog, policy.policy()).build();
        resources.add(endpoint);
        inDoubt = new InDoubtMigrations(endpoint, inventory, data, this::serveAndBoot);
        Set<String> held = step("in-doubt records in " + data.outgoing(), inDoubt::recover);
        for (Map.Entry<String, Path> vm : servedAtStart(data).entrySet()) {
            if (held.contains(vm.getKey())) {
                // It may run at its destination already: serving it here too could make two copies.
                continue;
            }
            step("VM " + vm.getKey() + " (" + vm.getValue() + ")", () -> {
                serveAndBoot(vm.getKey(), vm.getValue());
                return null;
            });
        }
        // Disks parked before a restart stay resumable for their window; older ones go now.
        new ParkedDisks(data).sweep(Set.of());
        dataDirectory = data;
        config.keepMigratedCopies().ifPresent(keep -> {
            sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "agent-" + config.hostName() + "-kept-copies");
                t.setDaemon(true);
                return t;
            });
            long every = Math.max(1, Math.min(keep.toSeconds(), 60));
            sweeper.scheduleWithFixedDelay(this::sweepMigratedCopies, 0, every, java.util.concurrent.TimeUnit.SECONDS);
        });
        destination = new DestinationService(config, data, inventory, board, workers, guests);
        outgoing = new OutgoingMigration(endpoint, inventory, board, data, guests, inDoubt);
        InetSocketAddress address = new InetSocketAddress(config.listen().host(), config.listen().port());
        listener = step("listen address " + config.listen(), () -> endpoint.listen(address, this::attested, this::refused));
        admin = step("admin socket " + config.adminSocket(), () -> AdminServer.start(config.adminSocket(), this, workers));
        LOG.info("agent " + config.hostName() + " listening on " + listener.address() + ", admin socket " + config.adminSocket()
                + ", serving " + inventory.status(guests::state, guests::diskWrites).size() + " VM(s)");
    }

    /** Deletes the kept copies of VMs that left longer ago than {@code keepMigratedCopies}. */
    private void sweepMigratedCopies() {
        java.util.Set<Path> dirs = new java.util.LinkedHashSet<>();
        dirs.add(dataDirectory.vms());
        config.vms().values().forEach(disk -> dirs.add(disk.toAbsolutePath().getParent()));
        MigratedCopies.sweep(dirs, config.keepMigratedCopies().orElseThrow(), java.time.Instant.now());
    }

    /** Serves a VM's disk and, for a simulated VM on its configured disk, boots its guest. */
    private void serveAndBoot(String vm, Path disk) throws Exception {
        ServedVm served = inventory.serve(vm, disk);
        SimulatedVmSettings simulated = config.simulated().get(vm);
        if (simulated != null && disk.equals(config.vms().get(vm))) {
            guests.boot(served, simulated);
        }
    }

    private LoadedPolicy loadPolicy(DataDirectory data, Set<PolicyAuthority.DevelopmentException> waived) throws AgentStartException {
        List<PublicKey> keys = new ArrayList<>();
        for (Path file : config.administratorKeys()) {
            keys.add(step("administrator key " + file, () -> AdministratorKeys.readPublicKey(file)));
        }
        PolicyAuthority authority = PolicyAuthority.requiringSignatureBy(keys, new PolicySerialStore(data.policySerial()))
                .withDevelopmentExceptions(waived);
        LoadedPolicy loaded = step("policy " + config.policy(), () -> authority.load(config.policy()));
        loaded.warnings().forEach(w -> LOG.warning("policy " + config.policy() + ": " + w));
        LOG.info("policy " + config.policy() + " (serial " + loaded.policy().serial() + ") accepted"
                + loaded.signedBy().map(k -> ", signed by administrator key " + k).orElse(", NOT signed"));
        return loaded;
    }

    /**
     * The configured VMs whose disk is on this host, and the VMs that migrated in earlier. A
     * configured VM without its disk is not here (it runs on another host) and is skipped.
     */
    private Map<String, Path> servedAtStart(DataDirectory data) throws AgentStartException {
        Map<String, Path> vms = new java.util.TreeMap<>();
        config.vms().forEach((name, disk) -> {
            if (Files.isRegularFile(disk)) {
                vms.put(name, disk);
            } else {
                LOG.info("VM " + name + ": no disk at " + disk + ", not served by this host");
            }
        });
        step("directory " + data.vms(), () -> {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(data.vms(), "*.raw")) {
                for (Path f : files) {
                    String name = f.getFileName().toString().replaceFirst("\\.raw$", "");
                    vms.putIfAbsent(name, f);
                }
            }
            return null;
        });
        return vms;
    }

    private void attested(AttestedConnection connection) {
        LOG.info("verdict on peer " + connection.peerHost() + " as " + connection.peerRole() + ": " + connection.localVerdict().decision()
                + "; its verdict on us: " + connection.peerVerdict().decision());
        handshakes.opened(connection);
        destination.accept(connection);
    }

    private void refused(HandshakeException failure) {
        handshakes.failed(failure);
        if (failure instanceof AttestationRejectedException r) {
            LOG.warning("verdict on peer " + r.peerHost() + ": " + (r.rejectedBy() == AttestationRejectedException.RejectedBy.LOCAL
                    ? "REJECT" : "it rejected us") + " at " + r.step() + ": " + r.verdict().reasons());
        } else {
            LOG.warning("attested handshake with a peer failed at " + failure.step() + " (" + failure.failure() + "): " + failure.getMessage());
        }
    }

    /** This host's name in the policy. */
    public String hostName() {
        return config.hostName();
    }

    /** Where peers connect (the bound port when the configuration asked for port 0). */
    public InetSocketAddress listenAddress() {
        return listener.address();
    }

    public Path adminSocket() {
        return config.adminSocket();
    }

    /** The VMs served here and the migrations in flight. */
    public AgentStatus status() {
        return new AgentStatus(config.hostName(), listener == null ? config.listen().toString() : listener.address().toString(),
                withInDoubt(inventory.status(guests::state, guests::diskWrites)), board.snapshot(), handshakes.recent());
    }

    /** Marks the VMs whose migration is in doubt, including those a restart left unserved. */
    private List<VmStatus> withInDoubt(List<VmStatus> served) {
        Set<String> doubtful = inDoubt == null ? Set.of() : inDoubt.vms();
        List<VmStatus> all = new ArrayList<>();
        for (VmStatus v : served) {
            all.add(doubtful.contains(v.name())
                    ? new VmStatus(v.name(), VmStatus.IN_DOUBT, v.disk(), v.socket(), v.sizeBytes(), v.guest(), v.guestDiskWrites()) : v);
        }
        for (String vm : doubtful) {
            if (served.stream().noneMatch(v -> v.name().equals(vm))) {
                inDoubt.find(vm).ifPresent(d -> all.add(new VmStatus(vm, VmStatus.IN_DOUBT, d.disk().toString(), null,
                        d.disk().toFile().length(), null, null)));
            }
        }
        return all;
    }

    /** Migrates a VM served here; blocks until it ended. Progress arrives on the calling thread or the replicator's. */
    public MigrationOutcome migrate(MigrationRequest request, Consumer<MigrationProgress> progress) {
        LOG.info("migration of " + request.vm() + " to " + request.destination() + " requested (" + request.mode() + " mirroring"
                + (request.maxBandwidthBytesPerSecond() > 0 ? ", at most " + request.maxBandwidthBytesPerSecond() + " B/s" : "") + ")");
        MigrationOutcome outcome = outgoing.run(request, progress);
        if (outcome.result() == MigrationOutcome.Result.MIGRATED && sweeper != null) {
            sweeper.execute(this::sweepMigratedCopies);
        }
        // The guest's memory figures are kept where its memory migration started.
        return guests.takeMemoryReport(request.vm()).map(outcome::withMemory).orElse(outcome);
    }

    /**
     * Settles a migration that ended {@code IN_DOUBT}: asks its destination, on a new attested
     * session, whether it runs the VM, then lets the VM go (MIGRATED) or resumes it here (ABORTED);
     * IN_DOUBT again if the destination cannot be reached or the guest is lost to the fence.
     */
    public MigrationOutcome resolve(String vm) throws InterruptedException {
        LOG.info("resolving the in-doubt migration of " + vm);
        return inDoubt.resolve(vm);
    }

    /** Stops listening, discards incoming disks, stops serving (disks stay), releases the TPM. */
    @Override
    public void close() {
        // Tests and shutdown hooks may both close an agent; the second call has nothing to do.
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeQuietly(admin);
        closeQuietly(listener);
        if (destination != null) {
            destination.close();
        }
        // The guests first: they write their disks through the inventory.
        guests.close();
        inventory.closeAll();
        for (int i = resources.size() - 1; i >= 0; i--) {
            closeQuietly(resources.get(i));
        }
        workers.shutdownNow();
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.warning("closing " + c.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** A start-up step whose failure names what could not be used. */
    @FunctionalInterface
    private interface Step<T> {
        T run() throws Exception;
    }

    private static <T> T step(String what, Step<T> step) throws AgentStartException {
        try {
            return step.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentStartException(what + ": interrupted", e);
        } catch (Exception e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (e instanceof java.nio.file.NoSuchFileException) {
                why = "no such file";
            }
            throw new AgentStartException(what + ": " + why, e);
        }
    }
}
