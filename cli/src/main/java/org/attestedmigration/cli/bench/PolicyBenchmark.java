package org.attestedmigration.cli.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.VerifiedEvidence;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.attestedmigration.attestation.txt.SampleLaunch;
import org.attestedmigration.cli.demo.HostAttestation;
import org.attestedmigration.policy.AdministratorKeys;
import org.attestedmigration.policy.EvaluationContext;
import org.attestedmigration.policy.LaunchRules;
import org.attestedmigration.policy.MigrationRule;
import org.attestedmigration.policy.NamedCertificate;
import org.attestedmigration.policy.PeerRole;
import org.attestedmigration.policy.Policy;
import org.attestedmigration.policy.PolicyEnrollment;
import org.attestedmigration.policy.PolicyLoader;
import org.attestedmigration.policy.PolicySignature;
import org.attestedmigration.policy.PolicyWriter;
import org.attestedmigration.policy.Verdict;

/**
 * Times the policy's work on the path of every attestation: loading the signed file (signature
 * check and strict parse) and evaluating all rules against verified evidence, for a policy with
 * one enrolled reference host and {@code extraHosts} more identity-only hosts.
 */
public final class PolicyBenchmark {
    private PolicyBenchmark() {
    }

    public static List<Timings> run(Path dir, int warmup, int runs, int extraHosts, Consumer<Timings> progress) throws Exception {
        List<Timings> out = new ArrayList<>();
        try (EmulatedHost host = EmulatedHost.boot("reference", dir, SampleLaunch.trusted().components())) {
            List<NamedCertificate> cas = new ArrayList<>();
            for (var c : host.manufacturerCertificates()) {
                cas.add(new NamedCertificate("ca-" + cas.size(), c));
            }
            Policy policy = Policy.trusting("bench", cas);
            VerifiedEvidence evidence = HostAttestation.verify(host, policy.ekManufacturerValidator(), HashAlgorithm.SHA256);
            policy = PolicyEnrollment.enroll(policy, "reference", "servers", evidence, List.of(), PolicyEnrollment.Scope.IDENTITY_AND_REFERENCE_VALUES);
            policy = withMoreHosts(policy, extraHosts);
            String yaml = PolicyWriter.toYaml(policy);
            byte[] bytes = yaml.getBytes(StandardCharsets.UTF_8);
            KeyPair admin = AdministratorKeys.generate();
            PolicySignature signature = PolicySignature.sign(bytes, admin.getPrivate(), admin.getPublic());
            String size = " (" + policy.hosts().size() + " hosts, " + bytes.length / 1024 + " KiB)";
            add(out, progress, Timings.measure("policy signature check, Ed25519" + size, warmup, runs,
                    () -> signature.verifies(bytes, admin.getPublic())));
            add(out, progress, Timings.measure("policy strict load, YAML" + size, warmup, runs, () -> PolicyLoader.parse(yaml, "bench.yaml")));
            Policy loaded = PolicyLoader.parse(yaml, "bench.yaml");
            EvaluationContext context = new EvaluationContext("reference", "reference", PeerRole.SOURCE, Instant.now(), Instant.now(),
                    Optional.empty());
            Verdict verdict = loaded.evaluate(evidence, context);
            add(out, progress, Timings.measure("policy evaluation, " + verdict.results().size() + " rule results, " + verdict.decision() + size,
                    warmup * 10, runs * 10, () -> loaded.evaluate(evidence, context)));
        }
        return out;
    }

    /** Identity-only hosts with made-up EK hashes, to see how the cost grows with the fleet. */
    private static Policy withMoreHosts(Policy p, int n) {
        List<org.attestedmigration.policy.HostEntry> hosts = new ArrayList<>(p.hosts());
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = "host-" + i;
            names.add(name);
            hosts.add(new org.attestedmigration.policy.HostEntry(name,
                    Optional.of(new org.attestedmigration.policy.HexValue(HashAlgorithm.SHA256.digest(name.getBytes(StandardCharsets.UTF_8)))),
                    Optional.empty(), LaunchRules.NONE));
        }
        List<org.attestedmigration.policy.GroupEntry> groups = new ArrayList<>(p.groups());
        if (n > 0) {
            groups.add(new org.attestedmigration.policy.GroupEntry("fleet", names));
        }
        List<MigrationRule> rules = n > 0 ? List.of(new MigrationRule("servers", "fleet"), new MigrationRule("servers", "servers"))
                : List.of(new MigrationRule("servers", "servers"));
        return new Policy(p.serial(), p.name(), p.ekManufacturers(), hosts, groups, rules, p.measurements(), p.freshness(), p.tls(), p.revoked());
    }

    private static void add(List<Timings> out, Consumer<Timings> progress, Timings t) {
        out.add(t);
        progress.accept(t);
    }
}
