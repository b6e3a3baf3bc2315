package org.attestedmigration.cli.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.attestedmigration.attestation.AttestationException;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.attestedmigration.cli.ProgressPrinter;
import org.attestedmigration.migrationcore.replication.MirrorMode;
import org.attestedmigration.attestation.txt.SampleLaunch;
import org.attestedmigration.policy.AdministratorKeys;
import org.attestedmigration.policy.EnrollmentException;
import org.attestedmigration.policy.LoadedPolicy;
import org.attestedmigration.policy.MigrationRule;
import org.attestedmigration.policy.NamedCertificate;
import org.attestedmigration.policy.PeerRole;
import org.attestedmigration.policy.Policy;
import org.attestedmigration.policy.PolicyAuthority;
import org.attestedmigration.policy.PolicyEnrollment;
import org.attestedmigration.policy.PolicyException;
import org.attestedmigration.policy.PolicyRefusedException;
import org.attestedmigration.policy.PolicySerialStore;
import org.attestedmigration.policy.PolicySignature;
import org.attestedmigration.policy.PolicyWriter;
import org.attestedmigration.policy.RuleResult;

/**
 * The demo until migration exists: boots a source and a destination host, each with its own
 * swtpm and emulated TXT launch; the administrator enrolls the source as the reference host and
 * the destination by identity, allows source to destination, signs the policy; each host loads
 * the signed policy and attests the other.
 */
public final class Demo {
    /** Which launch the destination performs. */
    public enum Scenario { TRUSTED, UNTRUSTED_DESTINATION }

    /** What the demo reports; serialised as the {@code --json} output. */
    public record Result(String result, boolean accepted, Attestations attestation, Channel channel, ChannelDemo.Disk disk,
            ChannelDemo.Memory memory, long downtimeMs, long bytesSent, String policyFile, long totalMs) {
    }

    /** The attested TLS connection between the two agents. */
    public record Channel(boolean opened, String detail, long handshakeMs) {
    }

    /** Both directions; "source" is the verdict on the source host (reached by the destination), and vice versa. */
    public record Attestations(Side source, Side destination) {
    }

    /** One verdict for the JSON output. */
    public record Side(String verifiedBy, String verdict, List<String> reasons, List<RuleResult> rules, String akName, String pcr18,
            long milliseconds) {
        static Side of(HostAttestation.Outcome o) {
            return new Side(o.verifier(), o.verdict().decision().name(), o.verdict().reasons(), o.verdict().results(), o.akName(), o.pcr18(),
                    o.milliseconds());
        }
    }

    static final String UNAPPROVED_XEN = "xen-4.18.0-unapproved";
    private final Path dir;
    private final Consumer<String> log;
    private final ProgressPrinter progress;
    private final long diskBytes;
    private final MirrorMode mirrorMode;

    /**
     * @param diskBytes  size of the simulated VM's disk
     * @param mirrorMode how writes are mirrored once the bulk copy has converged
     */
    public Demo(Path dir, Consumer<String> log, ProgressPrinter progress, long diskBytes, MirrorMode mirrorMode) {
        this.dir = dir;
        this.log = log;
        this.progress = progress;
        this.diskBytes = diskBytes;
        this.mirrorMode = mirrorMode;
    }

    public Result run(Scenario scenario) throws Exception {
        long start = System.nanoTime();
        SampleLaunch trusted = SampleLaunch.trusted();
        SampleLaunch destinationLaunch = scenario == Scenario.TRUSTED ? trusted : trusted.withHypervisor(UNAPPROVED_XEN);
        try (EmulatedHost source = boot("source", trusted);
                EmulatedHost destination = boot("destination", destinationLaunch)) {
            Path policyFile = writeSignedPolicy(source, destination);
            Policy policy = loadAsAgent(policyFile);

            HostAttestation.Outcome onDestination = HostAttestation.run(source, destination, PeerRole.DESTINATION, policy);
            report(onDestination);
            HostAttestation.Outcome onSource = HostAttestation.run(destination, source, PeerRole.SOURCE, policy);
            report(onSource);
            boolean accepted = onDestination.accepted() && onSource.accepted();
            ChannelDemo.Outcome channel = ChannelDemo.run(source, destination, policy, diskBytes, mirrorMode, progress);
            if (channel.opened()) {
                ChannelDemo.Disk d = channel.disk();
                log.accept(String.format("channel: source -> destination attested in %d ms (%s)", channel.handshakeMs(), channel.detail()));
                ChannelDemo.Memory m = channel.memory();
                log.accept(String.format("disk: %d MiB migrated (%s mirroring) while the VM ran and wrote to it; %d MiB sent; "
                        + "final disk switchover %d ms", d.sizeBytes() >> 20, mirrorMode, d.bytesSent() >> 20, d.switchoverPauseMs()));
                log.accept(String.format("memory: %d MiB, %d pre-copy round(s) (%s), %d MiB sent; VM paused at the source and resumed "
                        + "at the destination: downtime %d ms; total migration %d ms", m.sizeBytes() >> 20, m.precopyRounds(),
                        m.convergence().toLowerCase(java.util.Locale.ROOT), m.bytesSent() >> 20, m.downtimeMs(), d.migrationMs()));
                log.accept("disk digests: source " + d.sourceDigest().substring(0, 16) + "… destination "
                        + d.destinationDigest().substring(0, 16) + (d.sourceDigest().equals(d.destinationDigest()) ? "… (equal)" : "… DIFFER"));
            } else {
                log.accept("channel: " + channel.detail() + "; no disk block was sent");
            }
            long total = (System.nanoTime() - start) / 1_000_000;
            boolean migrated = accepted && channel.opened() && channel.disk().sourceDigest().equals(channel.disk().destinationDigest());
            log.accept(migrated
                    ? "RESULT: MIGRATED: attested both ways; the VM runs at the destination, disk and memory identical (" + total + " ms)"
                    : "RESULT: REFUSED: no disk block or memory page left the source (" + total + " ms)");
            long sent = channel.disk() == null ? 0 : channel.disk().bytesSent() + channel.memory().bytesSent();
            return new Result(migrated ? "migrated" : "refused", migrated, new Attestations(Side.of(onSource), Side.of(onDestination)),
                    new Channel(channel.opened(), channel.detail(), channel.handshakeMs()), channel.disk(), channel.memory(),
                    channel.memory() == null ? 0 : channel.memory().downtimeMs(), sent, policyFile.toString(), total);
        }
    }

    private EmulatedHost boot(String name, SampleLaunch launch) throws AttestationException {
        EmulatedHost host = EmulatedHost.boot(name, dir.resolve(name), launch.components());
        log.accept(String.format("[%-11s] swtpm at %s with its own EK CA; TXT launch of %s, %s (%d events)",
                name, host.tpmUri(), launch.mle(), launch.hypervisor(), host.eventLog().size()));
        return host;
    }

    /**
     * The administrator's part: trust both TPM manufacturers (here: each host's local CA), enroll
     * the source as the reference host and the destination by its identity, allow source to
     * destination, sign.
     */
    private Path writeSignedPolicy(EmulatedHost source, EmulatedHost destination)
            throws AttestationException, IOException, GeneralSecurityException {
        Policy policy = enrollPair(source, destination);
        Path file = dir.resolve("policy.yaml");
        byte[] bytes = PolicyWriter.toYaml(policy).getBytes(StandardCharsets.UTF_8);
        Files.write(file, bytes);
        KeyPair admin = AdministratorKeys.generate();
        AdministratorKeys.write(admin, dir.resolve("admin.key"), dir.resolve("admin.pub"));
        Files.writeString(dir.resolve("policy.yaml.sig"), PolicySignature.sign(bytes, admin.getPrivate(), admin.getPublic()).toJson(bytes));
        log.accept("[admin      ] policy " + file + ": source enrolled as reference host, destination by identity, "
                + "sources -> destinations allowed; signed (serial " + policy.serial() + ")");
        return file;
    }

    /**
     * The administrator's policy for a pair of emulated hosts: both hosts' EK CAs trusted, the
     * source enrolled as the reference host (its launch becomes the allowed software), the
     * destination by identity only, VMs allowed from sources to destinations.
     */
    public static Policy enrollPair(EmulatedHost source, EmulatedHost destination) throws AttestationException {
        List<X509Certificate> cas = new ArrayList<>(source.manufacturerCertificates());
        cas.addAll(destination.manufacturerCertificates());
        List<NamedCertificate> manufacturers = new ArrayList<>();
        for (X509Certificate ca : cas) {
            manufacturers.add(new NamedCertificate("swtpm-ca-" + manufacturers.size(), ca));
        }
        Policy policy = Policy.trusting("demo", manufacturers);
        try {
            policy = PolicyEnrollment.enroll(policy, source.name(), "sources", HostAttestation.verify(source,
                    policy.ekManufacturerValidator(), HashAlgorithm.SHA256), List.of(), PolicyEnrollment.Scope.IDENTITY_AND_REFERENCE_VALUES);
            policy = PolicyEnrollment.enroll(policy, destination.name(), "destinations", HostAttestation.verify(destination,
                    policy.ekManufacturerValidator(), HashAlgorithm.SHA256), List.of(), PolicyEnrollment.Scope.IDENTITY_ONLY);
        } catch (EnrollmentException e) {
            throw new AttestationException("enrollment failed: " + e.getMessage(), e);
        }
        return policy.withMigrations(List.of(new MigrationRule("sources", "destinations")));
    }

    /** What each agent does with the file: signature by the administrator, no rollback. */
    private Policy loadAsAgent(Path policyFile) throws IOException, GeneralSecurityException {
        try {
            LoadedPolicy loaded = PolicyAuthority.requiringSignatureBy(List.of(AdministratorKeys.readPublicKey(dir.resolve("admin.pub"))),
                    new PolicySerialStore(dir.resolve("agent-state/policy.serial"))).load(policyFile);
            return loaded.policy();
        } catch (PolicyException | PolicyRefusedException | org.attestedmigration.policy.PolicySignatureException e) {
            throw new GeneralSecurityException("the agent refused the demo policy: " + e.getMessage(), e);
        }
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
