package org.attestedmigration.cli.demo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import org.attestedmigration.attestation.AttestationException;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.attestedmigration.attestation.txt.SampleLaunch;
import org.attestedmigration.cli.ProgressPrinter;
import org.attestedmigration.migrationcore.agent.AgentStatus;
import org.attestedmigration.migrationcore.agent.MemoryReport;
import org.attestedmigration.migrationcore.agent.MigrationOutcome;
import org.attestedmigration.migrationcore.agent.MigrationRequest;
import org.attestedmigration.migrationcore.agent.SimulatedVmSettings;
import org.attestedmigration.migrationcore.agent.VmStatus;
import org.attestedmigration.migrationcore.replication.MirrorMode;
import org.attestedmigration.policy.MigrationRule;
import org.attestedmigration.policy.PeerRole;
import org.attestedmigration.policy.Policy;

/**
 * The demo: boots a source and a destination host, each with its own swtpm and emulated TXT
 * launch; the administrator enrolls the source as the reference host and the destination by
 * identity and signs the policy; the administrator's own check shows each host's verdict on the
 * other; then each host runs its agent, the source's serving a simulated VM that dirties its memory
 * and writes its disk, and the VM migrates to the destination through the source agent's admin API,
 * exactly as {@code attested-migrate migrate} asks for it.
 */
public final class Demo {
    /** Which launch the destination performs. */
    public enum Scenario { TRUSTED, UNTRUSTED_DESTINATION }

    static final String UNAPPROVED_XEN = "xen-4.18.0-unapproved";
    private static final String VM = "vm-1";
    /** A guest that keeps the migration busy: 128 MiB it dirties at 16 MiB/s, 200 disk writes a second. */
    private static final SimulatedVmSettings GUEST = new SimulatedVmSettings(128, 16L << 20, 200);

    private final Path workDir;
    private final Consumer<String> log;
    private final ProgressPrinter progress;
    private final long diskBytes;
    private final MirrorMode mirrorMode;
    private final boolean guestProcess;

    /**
     * @param workDir    where the hosts keep their TPM state, images and agents' data; null for a temporary directory
     * @param diskBytes  size of the simulated VM's disk
     * @param mirrorMode how writes are mirrored once the bulk copy has converged
     */
    public Demo(Path workDir, Consumer<String> log, ProgressPrinter progress, long diskBytes, MirrorMode mirrorMode) {
        this(workDir, log, progress, diskBytes, mirrorMode, false);
    }

    /** @param guestProcess the guest runs as an {@code attested-migrate sim-vm} process on both hosts, not inside the agents */
    public Demo(Path workDir, Consumer<String> log, ProgressPrinter progress, long diskBytes, MirrorMode mirrorMode, boolean guestProcess) {
        this.guestProcess = guestProcess;
        this.workDir = workDir;
        this.log = log;
        this.progress = progress;
        this.diskBytes = diskBytes;
        this.mirrorMode = mirrorMode;
    }

    public DemoReport.Result run(Scenario scenario) throws Exception {
        long start = System.nanoTime();
        SampleLaunch trusted = SampleLaunch.trusted();
        SampleLaunch destinationLaunch = scenario == Scenario.TRUSTED ? trusted : trusted.withHypervisor(UNAPPROVED_XEN);
        try (LocalHosts hosts = LocalHosts.boot(workDir, List.of(new LocalHosts.Spec("source", trusted),
                new LocalHosts.Spec("destination", destinationLaunch)), log)) {
            LocalHost source = hosts.host(0);
            LocalHost destination = hosts.host(1);
            HostAttestation.Outcome onDestination = HostAttestation.run(source.emulated(), destination.emulated(), PeerRole.DESTINATION,
                    hosts.policy());
            report(onDestination);
            HostAttestation.Outcome onSource = HostAttestation.run(destination.emulated(), source.emulated(), PeerRole.SOURCE, hosts.policy());
            report(onSource);

            SimulatedVmSettings guest = guestProcess ? new SimulatedVmSettings(GUEST.memoryMib(), GUEST.dirtyBytesPerSecond(),
                    GUEST.diskWritesPerSecond(), true) : GUEST;
            source.startAgent(List.of(new LocalVm(VM, source.createDisk(VM, diskBytes), guest)));
            // A process guest arrives as a process only where the destination's configuration says so.
            destination.startAgent(guestProcess ? List.of(new LocalVm(VM, destination.arrivingDisk(VM), guest)) : List.of());
            log.accept(String.format(Locale.ROOT, "[source     ] agent serves %s: %d MiB disk over NBD, guest of %d MiB dirtying %d MiB/s and "
                    + "writing its disk %d times a second%s", VM, diskBytes >> 20, GUEST.memoryMib(), GUEST.dirtyBytesPerSecond() >> 20,
                    GUEST.diskWritesPerSecond(), guestProcess ? ", running as an attested-migrate sim-vm process" : ""));
            log.accept("[destination] agent listening on " + destination.address() + "; migrate " + VM + " there ("
                    + mirrorMode.name().toLowerCase(Locale.ROOT) + " mirroring)");
            long writesBefore = guestDiskWrites(source.admin().status());
            MigrationOutcome outcome = source.admin().migrate(new MigrationRequest(VM, destination.address(), mirrorMode, 0),
                    p -> progress.update(VM, p.phase(), p.bytesDone(), p.bytesTotal(), p.bytesPerSecond(), p.detail()));
            progress.finish();

            AgentStatus atSource = source.admin().status();
            AgentStatus atDestination = destination.admin().status();
            DemoReport.Placement placement = placement(source.name(), atSource).or(() -> placement(destination.name(), atDestination))
                    .orElse(new DemoReport.Placement(VM, null, null));
            DemoReport.Channel channel = channel(destination);
            DemoReport.Disk disk = null;
            DemoReport.Memory memory = null;
            boolean migrated = outcome.result() == MigrationOutcome.Result.MIGRATED && outcome.sourceDigest().equals(outcome.destinationDigest());
            if (channel.opened()) {
                log.accept(String.format("channel: source -> destination attested in %d ms (%s)", channel.handshakeMs(), channel.detail()));
            } else {
                log.accept("channel: " + channel.detail() + "; no disk block was sent");
            }
            if (outcome.result() == MigrationOutcome.Result.MIGRATED) {
                long written = (guestDiskWrites(atDestination) - writesBefore) * SimulatedVmSettings.DISK_WRITE_BYTES;
                disk = new DemoReport.Disk(diskBytes, outcome.bytesSent(), written, outcome.sourceDigest(), outcome.destinationDigest(),
                        outcome.pausedMillis(), outcome.totalMillis());
                memory = memory(outcome);
                reportMigration(disk, memory);
            } else {
                log.accept(outcome.result() + ": " + outcome.message());
                outcome.reasons().forEach(r -> log.accept("    " + r));
            }
            log.accept("the VM runs at " + placement.runsAt() + " (guest " + placement.guest() + ")");
            long total = (System.nanoTime() - start) / 1_000_000;
            String result = outcome.result().name().toLowerCase(Locale.ROOT);
            log.accept(switch (outcome.result()) {
                case MIGRATED -> "RESULT: MIGRATED: attested both ways; the VM runs at the destination, disk and memory identical (" + total + " ms)";
                case REFUSED -> "RESULT: REFUSED: no disk block or memory page left the source (" + total + " ms)";
                default -> "RESULT: " + outcome.result() + ": " + outcome.message() + " (" + total + " ms)";
            });
            return new DemoReport.Result(result, migrated, new DemoReport.Attestations(DemoReport.Side.of(onSource),
                    DemoReport.Side.of(onDestination)), channel, disk, memory, placement, outcome.downtimeMillis(),
                    outcome.bytesSent() + outcome.memoryBytesSent(), hosts.policyFile().toString(), total);
        }
    }

    private void reportMigration(DemoReport.Disk d, DemoReport.Memory m) {
        log.accept(String.format("disk: %d MiB migrated (%s mirroring) while the VM ran and wrote %d KiB to it; %d MiB sent; "
                + "final disk switchover %d ms", d.sizeBytes() >> 20, mirrorMode, d.guestBytesWritten() >> 10, d.bytesSent() >> 20,
                d.switchoverPauseMs()));
        if (m != null) {
            log.accept(String.format("memory: %d MiB, %d pre-copy round(s) (%s), %d MiB sent; VM paused at the source and resumed "
                    + "at the destination: downtime %d ms; total migration %d ms", m.sizeBytes() >> 20, m.precopyRounds(),
                    m.convergence().toLowerCase(Locale.ROOT), m.bytesSent() >> 20, m.downtimeMs(), d.migrationMs()));
        }
        log.accept("disk digests: source " + d.sourceDigest().substring(0, 16) + "… destination "
                + d.destinationDigest().substring(0, 16) + (d.sourceDigest().equals(d.destinationDigest()) ? "… (equal)" : "… DIFFER"));
    }

    private static DemoReport.Memory memory(MigrationOutcome outcome) {
        MemoryReport m = outcome.memory();
        if (m == null) {
            return null;
        }
        return new DemoReport.Memory(m.sizeBytes(), m.precopyRounds(), m.convergence(), m.pagesSent(), m.bytesSent(),
                outcome.downtimeMillis(), m.digest(), m.digest());
    }

    /**
     * The attested connection as the destination's agent recorded it: both verdicts and the TLS
     * session, or who refused it at which step. The destination records a refusal just after the
     * source has reported it, so it is waited for briefly.
     */
    private static DemoReport.Channel channel(LocalHost destination) throws IOException, InterruptedException {
        for (int attempt = 0; attempt < 50; attempt++) {
            var from = destination.admin().status().handshakes().stream().filter(h -> "source".equals(h.peer())).reduce((a, b) -> b);
            if (from.isPresent()) {
                var h = from.get();
                if (h.tls() != null) {
                    return new DemoReport.Channel(true, h.tls() + ", both verdicts " + h.verdict(), h.handshakeMillis());
                }
                String by = "REJECT".equals(h.peerVerdict()) ? "the source" : "the destination";
                return new DemoReport.Channel(false, "refused by " + by + " at " + h.step() + ": " + String.join("; ", h.reasons()), 0);
            }
            Thread.sleep(100);
        }
        return new DemoReport.Channel(false, "the source never reached the destination's agent", 0);
    }

    private static Optional<DemoReport.Placement> placement(String host, AgentStatus status) {
        return status.vms().stream().filter(v -> VM.equals(v.name())).findFirst().map(v -> new DemoReport.Placement(VM, host, v.guest()));
    }

    private static long guestDiskWrites(AgentStatus status) {
        return status.vms().stream().filter(v -> VM.equals(v.name())).map(VmStatus::guestDiskWrites).filter(w -> w != null)
                .findFirst().orElse(0L);
    }

    /**
     * The administrator's policy for a pair of emulated hosts: both hosts' EK CAs trusted, the
     * source enrolled as the reference host (its launch becomes the allowed software), the
     * destination by identity only, VMs allowed from sources to destinations.
     */
    public static Policy enrollPair(EmulatedHost source, EmulatedHost destination) throws AttestationException {
        return DemoPolicy.enroll(List.of(source, destination), List.of("sources", "destinations"),
                List.of(new MigrationRule("sources", "destinations")));
    }

    private void report(HostAttestation.Outcome o) {
        log.accept(String.format("%s verifies %s: %s (%d ms)", o.verifier(), o.prover(), o.verdict().decision(), o.milliseconds()));
        if (o.accepted()) {
            log.accept("    every policy rule passed: identity, EK manufacturer, direction, SINIT, platform, tboot, Xen, dom0, freshness");
        } else {
            o.verdict().reasons().forEach(r -> log.accept("    " + r));
        }
    }
}
