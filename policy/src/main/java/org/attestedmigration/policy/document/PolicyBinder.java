package org.attestedmigration.policy.document;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.policy.Freshness;
import org.attestedmigration.policy.GroupEntry;
import org.attestedmigration.policy.HostEntry;
import org.attestedmigration.policy.LaunchRules;
import org.attestedmigration.policy.MeasurementRules;
import org.attestedmigration.policy.MigrationRule;
import org.attestedmigration.policy.NamedCertificate;
import org.attestedmigration.policy.NamedDigest;
import org.attestedmigration.policy.Policy;
import org.attestedmigration.policy.PolicyException;
import org.attestedmigration.policy.Revocations;
import org.attestedmigration.policy.TlsRequirements;

/**
 * Binds a document tree to a {@link Policy} by hand, so that every problem keeps the position of
 * the key or value it is about. Binding goes on after a problem; the policy is built only when
 * none was found, so the model's own checks never fail on user input.
 */
public final class PolicyBinder {
    static final List<String> ROOT_KEYS = List.of("apiVersion", "serial", "name", "trustAnchors", "hosts", "groups", "migrations",
            "measurements", "freshness", "tls", "revoked");
    private static final Pattern PCR_INDEX = Pattern.compile("0|[1-9][0-9]?");
    private static final int MAX_PCR = 23;

    private final Problems problems;

    private PolicyBinder(Problems problems) {
        this.problems = problems;
    }

    /** The policy {@code root} describes; throws every problem found (with those already in {@code problems}). */
    public static Policy bind(Node root, Problems problems) throws PolicyException {
        Optional<Policy> policy = new PolicyBinder(problems).root(root);
        problems.throwIfAny();
        return policy.orElseThrow(problems::exception);
    }

    private Optional<Policy> root(Node root) {
        Optional<Fields> fields = Fields.of(root, "the policy", ROOT_KEYS, problems);
        if (fields.isEmpty()) {
            return Optional.empty();
        }
        Fields f = fields.get();
        f.required("apiVersion").ifPresent(this::apiVersion);
        Optional<Long> serial = f.required("serial").flatMap(this::serial);
        Optional<String> name = f.required("name").flatMap(n -> Values.name(n, "name", problems));
        Optional<Node> measurementsNode = f.required("measurements");
        HashAlgorithm bank = measurementsNode.flatMap(this::bank).orElse(HashAlgorithm.SHA256);
        MeasurementRules measurements = measurementsNode.map(n -> measurements(n, bank))
                .orElse(new MeasurementRules(bank, new TreeMap<>(), LaunchRules.NONE));

        IdentityBinder identity = new IdentityBinder(bank, problems);
        List<NamedCertificate> anchors = identity.trustAnchors(f.optional("trustAnchors"));
        List<HostEntry> hosts = f.required("hosts").map(identity::hosts).orElse(List.of());
        List<GroupEntry> groups = f.required("groups").map(identity::groups).orElse(List.of());
        List<MigrationRule> migrations = f.required("migrations").map(identity::migrations).orElse(List.of());
        Revocations revoked = identity.revoked(f.optional("revoked"));
        Freshness freshness = f.optional("freshness").map(this::freshness).orElse(Freshness.DEFAULT);
        TlsRequirements tls = f.optional("tls").map(this::tls).orElse(TlsRequirements.DEFAULT);

        if (!problems.isEmpty() || serial.isEmpty() || name.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Policy(serial.get(), name.get(), anchors, hosts, groups, migrations, measurements, freshness, tls, revoked));
    }

    private void apiVersion(Node node) {
        Values.text(node, "apiVersion", problems).filter(v -> !v.equals(Policy.API_VERSION)).ifPresent(v -> problems.add(node.position(),
                "apiVersion: unsupported version '" + Values.shown(v) + "': expected " + Policy.API_VERSION));
    }

    private Optional<Long> serial(Node node) {
        Optional<BigInteger> value = Values.integer(node, "serial", problems);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (value.get().signum() < 0) {
            problems.add(node.position(), "serial: must not be negative: expected an integer >= 0, found " + value.get());
            return Optional.empty();
        }
        if (value.get().bitLength() > 63) {
            problems.add(node.position(), "serial: too large: expected an integer from 0 to " + Long.MAX_VALUE);
            return Optional.empty();
        }
        return Optional.of(value.get().longValue());
    }

    /** The PCR bank, read first because it fixes the size of every digest in the policy. */
    private Optional<HashAlgorithm> bank(Node measurements) {
        if (!(measurements instanceof MappingNode m)) {
            return Optional.empty();
        }
        Optional<Node> node = m.entry("pcrBank").map(MappingNode.Entry::value);
        Optional<String> name = node.flatMap(n -> Values.text(n, "pcrBank", problems));
        Optional<HashAlgorithm> bank = name.flatMap(HashAlgorithm::fromBankName);
        if (name.isPresent() && bank.isEmpty()) {
            problems.add(node.get().position(), "pcrBank: unknown PCR bank '" + Values.shown(name.get())
                    + "': expected sha1, sha256, sha384 or sha512");
        }
        return bank;
    }

    private MeasurementRules measurements(Node node, HashAlgorithm bank) {
        TreeMap<Integer, List<NamedDigest>> pcrs = new TreeMap<>();
        LaunchRules launch = LaunchRules.NONE;
        Optional<Fields> fields = Fields.of(node, "measurements", List.of("pcrBank", "pcrs", "launch"), problems);
        if (fields.isPresent()) {
            LaunchRulesBinder binder = new LaunchRulesBinder(bank, problems);
            fields.get().optional("pcrs").ifPresent(n -> pcrs(n, binder, pcrs));
            launch = fields.get().optional("launch").map(n -> binder.bind(n, "measurements.launch")).orElse(LaunchRules.NONE);
        }
        return new MeasurementRules(bank, pcrs, launch);
    }

    private void pcrs(Node node, LaunchRulesBinder binder, TreeMap<Integer, List<NamedDigest>> out) {
        if (!(node instanceof MappingNode mapping)) {
            problems.add(node.position(), "measurements.pcrs: expected a mapping from PCR index to allowlist, found " + node.description());
            return;
        }
        for (MappingNode.Entry entry : mapping.entries()) {
            String key = entry.key();
            String section = "measurements.pcrs." + Values.shown(key);
            List<NamedDigest> list = binder.list(entry.value(), section, List.of("name", "value"),
                    (f, names) -> binder.namedDigest(f, names, "value"));
            if (!PCR_INDEX.matcher(key).matches() || Integer.parseInt(key) > MAX_PCR) {
                problems.add(entry.keyPosition(), "measurements.pcrs: PCR index '" + Values.shown(key) + "' is out of range: expected 0..23");
            } else {
                out.put(Integer.parseInt(key), list);
            }
        }
    }

    private Freshness freshness(Node node) {
        Optional<Fields> fields = Fields.of(node, "freshness", List.of("maxEvidenceAge", "nonceLifetime", "reattestEvery"), problems);
        if (fields.isEmpty()) {
            return Freshness.DEFAULT;
        }
        Fields f = fields.get();
        Duration maxAge = f.optional("maxEvidenceAge").flatMap(n -> Durations.parse(n, "maxEvidenceAge", problems))
                .orElse(Freshness.DEFAULT.maxEvidenceAge());
        Duration lifetime = f.optional("nonceLifetime").flatMap(n -> Durations.parse(n, "nonceLifetime", problems))
                .orElse(Freshness.DEFAULT.nonceLifetime());
        Optional<Duration> reattest = f.optional("reattestEvery").flatMap(n -> Durations.parse(n, "reattestEvery", problems));
        return new Freshness(maxAge, lifetime, reattest);
    }

    private TlsRequirements tls(Node node) {
        Optional<Fields> fields = Fields.of(node, "tls", List.of("cipherSuites", "requireExporter"), problems);
        if (fields.isEmpty()) {
            return TlsRequirements.DEFAULT;
        }
        List<String> suites = fields.get().optional("cipherSuites").map(this::cipherSuites).orElse(TlsRequirements.TLS13_SUITES);
        boolean exporter = fields.get().optional("requireExporter").flatMap(n -> Values.bool(n, "requireExporter", problems)).orElse(false);
        return new TlsRequirements(suites, exporter);
    }

    private List<String> cipherSuites(Node node) {
        List<String> out = new ArrayList<>();
        Optional<SequenceNode> list = Values.list(node, "tls.cipherSuites", problems);
        if (list.isEmpty()) {
            return out;
        }
        if (list.get().items().isEmpty()) {
            problems.add(node.position(), "tls.cipherSuites: expected at least one TLS 1.3 cipher suite (omit the key for all of them)");
        }
        UniqueNames seen = new UniqueNames("cipher suite", problems);
        for (Node item : list.get().items()) {
            Optional<String> suite = Values.text(item, "cipher suite", problems);
            if (suite.isPresent() && !TlsRequirements.TLS13_SUITES.contains(suite.get())) {
                problems.add(item.position(), "cipher suite '" + Values.shown(suite.get()) + "' is not a TLS 1.3 cipher suite: expected one of "
                        + String.join(", ", TlsRequirements.TLS13_SUITES));
            } else if (suite.isPresent() && seen.add(suite.get(), item.position())) {
                out.add(suite.get());
            }
        }
        return out;
    }
}
