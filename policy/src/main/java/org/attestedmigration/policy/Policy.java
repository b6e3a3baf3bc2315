package org.attestedmigration.policy;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.attestedmigration.attestation.VerifiedEvidence;
import org.attestedmigration.attestation.ek.EkCertificateValidator;

/**
 * An administrator's trust policy, as loaded (and validated) by {@link PolicyLoader}. Immutable.
 *
 * <p>{@link #evaluate} decides whether a peer whose evidence has passed attestation verification
 * may take part in a migration, rule by rule.
 */
public final class Policy {
    /** The only document version this build reads. */
    public static final String API_VERSION = "attested-migration/v1";

    private final long serial;
    private final String name;
    private final List<NamedCertificate> ekManufacturers;
    private final List<HostEntry> hosts;
    private final List<GroupEntry> groups;
    private final List<MigrationRule> migrations;
    private final MeasurementRules measurements;
    private final Freshness freshness;
    private final TlsRequirements tls;
    private final Revocations revoked;

    public Policy(long serial, String name, List<NamedCertificate> ekManufacturers, List<HostEntry> hosts, List<GroupEntry> groups,
            List<MigrationRule> migrations, MeasurementRules measurements, Freshness freshness, TlsRequirements tls, Revocations revoked) {
        if (serial < 0) {
            throw new IllegalArgumentException("serial must not be negative");
        }
        this.serial = serial;
        this.name = Objects.requireNonNull(name, "name");
        this.ekManufacturers = List.copyOf(ekManufacturers);
        this.hosts = List.copyOf(hosts);
        this.groups = List.copyOf(groups);
        this.migrations = List.copyOf(migrations);
        this.measurements = Objects.requireNonNull(measurements, "measurements");
        this.freshness = Objects.requireNonNull(freshness, "freshness");
        this.tls = Objects.requireNonNull(tls, "tls");
        this.revoked = Objects.requireNonNull(revoked, "revoked");
    }

    /**
     * A serial-1 policy that trusts these EK manufacturers and, as yet, no host: the start of
     * programmatic enrollment (the CLI's equivalent is {@code policy init}).
     */
    public static Policy trusting(String name, List<NamedCertificate> ekManufacturers) {
        return new Policy(1, name, ekManufacturers, List.of(), List.of(), List.of(),
                new MeasurementRules(org.attestedmigration.attestation.HashAlgorithm.SHA256, new java.util.TreeMap<>(), LaunchRules.NONE),
                Freshness.DEFAULT, TlsRequirements.DEFAULT, Revocations.NONE);
    }

    /** The same policy with these migration rules instead, and the next serial. */
    public Policy withMigrations(List<MigrationRule> rules) {
        return new Policy(serial + 1, name, ekManufacturers, hosts, groups, rules, measurements, freshness, tls, revoked);
    }

    /** Monotonically increasing: an agent refuses a policy with a lower serial than the one it has. */
    public long serial() {
        return serial;
    }

    public String name() {
        return name;
    }

    public List<NamedCertificate> ekManufacturers() {
        return ekManufacturers;
    }

    /**
     * Validates EK certificates against {@link #ekManufacturers()} (self-signed ones as roots).
     *
     * @throws IllegalArgumentException if the policy lists no self-signed manufacturer root
     */
    public EkCertificateValidator ekManufacturerValidator() {
        return EkCertificateValidator.fromAnchors(ekManufacturers.stream().map(NamedCertificate::certificate).toList());
    }

    public List<HostEntry> hosts() {
        return hosts;
    }

    public Optional<HostEntry> host(String hostName) {
        return hosts.stream().filter(h -> h.name().equals(hostName)).findFirst();
    }

    public List<GroupEntry> groups() {
        return groups;
    }

    public List<MigrationRule> migrations() {
        return migrations;
    }

    public MeasurementRules measurements() {
        return measurements;
    }

    public Freshness freshness() {
        return freshness;
    }

    public TlsRequirements tls() {
        return tls;
    }

    public Revocations revoked() {
        return revoked;
    }

    /** Every rule evaluated; ACCEPT only if none failed. */
    public Verdict evaluate(VerifiedEvidence evidence, EvaluationContext context) {
        return new PolicyEvaluator(this).evaluate(evidence, context);
    }
}
