package org.attestedmigration.policy.testing;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.eventlog.EventType;
import org.attestedmigration.attestation.txt.LaunchComponents;
import org.attestedmigration.attestation.txt.LaunchMeasurement;
import org.attestedmigration.attestation.txt.LaunchModule;
import org.attestedmigration.attestation.txt.MeasuredLaunchPlan;
import org.attestedmigration.policy.Freshness;
import org.attestedmigration.policy.GroupEntry;
import org.attestedmigration.policy.HexValue;
import org.attestedmigration.policy.HostEntry;
import org.attestedmigration.policy.LaunchRules;
import org.attestedmigration.policy.MeasurementRules;
import org.attestedmigration.policy.MigrationRule;
import org.attestedmigration.policy.ModuleRule;
import org.attestedmigration.policy.NamedCertificate;
import org.attestedmigration.policy.NamedDigest;
import org.attestedmigration.policy.PlatformEventRule;
import org.attestedmigration.policy.Policy;
import org.attestedmigration.policy.Revocations;
import org.attestedmigration.policy.TlsRequirements;

/** Builds policies for tests the way an administrator would write them, from the images to allow. */
public final class TestPolicy {
    private final List<NamedCertificate> ekManufacturers = new ArrayList<>();
    private final List<HostEntry> hosts = new ArrayList<>();
    private final List<GroupEntry> groups = new ArrayList<>();
    private final List<MigrationRule> migrations = new ArrayList<>();
    private final TreeMap<Integer, List<NamedDigest>> pcrs = new TreeMap<>();
    private LaunchRules launch = LaunchRules.NONE;
    private Freshness freshness = Freshness.DEFAULT;
    private TlsRequirements tls = TlsRequirements.DEFAULT;
    private final List<String> revokedHosts = new ArrayList<>();
    private final List<HexValue> revokedKeys = new ArrayList<>();

    public static TestPolicy builder() {
        return new TestPolicy();
    }

    /**
     * The launch rules an administrator enrolls for these components in the sha256 bank: H(SINIT),
     * the platform events as the plan logs them, H(tboot), and each module's image digest with its
     * exact command line.
     */
    public static LaunchRules launchRulesFor(LaunchComponents c, String sinitName, String mleName, String xenName,
            String kernelName, String initrdName) {
        HashAlgorithm bank = HashAlgorithm.SHA256;
        List<PlatformEventRule> platform = new ArrayList<>();
        for (LaunchMeasurement m : MeasuredLaunchPlan.of(c).measurements()) {
            if (m.pcrIndex() == 17 && m.eventType() != EventType.TXT_HASH_START.code()) {
                platform.add(new PlatformEventRule(EventType.nameOf(m.eventType()).toLowerCase(), m.eventType(),
                        new HexValue(m.digest(bank))));
            }
        }
        List<LaunchModule> modules = c.modules();
        return new LaunchRules(
                Optional.of(List.of(new NamedDigest(sinitName, new HexValue(bank.digest(c.sinitAcm()))))),
                Optional.of(platform),
                Optional.of(List.of(new NamedDigest(mleName, new HexValue(bank.digest(c.mle()))))),
                Optional.of(List.of(module(xenName, modules.get(0)))),
                Optional.of(List.of(module(kernelName, modules.get(1)))),
                Optional.of(List.of(module(initrdName, modules.get(2)))));
    }

    /** An entry allowing exactly this module: its image digest with its command line. */
    public static ModuleRule module(String name, LaunchModule m) {
        return new ModuleRule(name, Optional.of(new HexValue(HashAlgorithm.SHA256.digest(m.image()))),
                Optional.of(m.commandLine()), Optional.empty());
    }

    public TestPolicy ekManufacturer(String name, X509Certificate certificate) {
        ekManufacturers.add(new NamedCertificate(name, certificate));
        return this;
    }

    public TestPolicy host(HostEntry host) {
        hosts.add(host);
        return this;
    }

    public TestPolicy hostWithAk(String name, byte[] akName) {
        return host(new HostEntry(name, Optional.empty(), Optional.of(new HexValue(akName)), LaunchRules.NONE));
    }

    public TestPolicy hostWithEk(String name, byte[] ekPublicKeySha256) {
        return host(new HostEntry(name, Optional.of(new HexValue(ekPublicKeySha256)), Optional.empty(), LaunchRules.NONE));
    }

    public TestPolicy group(String name, String... members) {
        groups.add(new GroupEntry(name, List.of(members)));
        return this;
    }

    public TestPolicy migration(String from, String to) {
        migrations.add(new MigrationRule(from, to));
        return this;
    }

    public TestPolicy pcr(int index, NamedDigest... allowed) {
        pcrs.put(index, List.of(allowed));
        return this;
    }

    public TestPolicy launch(LaunchRules rules) {
        launch = rules;
        return this;
    }

    public TestPolicy maxEvidenceAge(Duration max) {
        freshness = new Freshness(max, freshness.nonceLifetime(), freshness.reattestEvery());
        return this;
    }

    public TestPolicy tls(TlsRequirements requirements) {
        tls = requirements;
        return this;
    }

    public TestPolicy revokeHost(String name) {
        revokedHosts.add(name);
        return this;
    }

    public TestPolicy revokeKey(byte[] key) {
        revokedKeys.add(new HexValue(key));
        return this;
    }

    public Policy build() {
        return new Policy(1, "test-policy", ekManufacturers, hosts, groups, migrations,
                new MeasurementRules(HashAlgorithm.SHA256, pcrs, launch), freshness, tls,
                new Revocations(revokedHosts, revokedKeys));
    }
}
