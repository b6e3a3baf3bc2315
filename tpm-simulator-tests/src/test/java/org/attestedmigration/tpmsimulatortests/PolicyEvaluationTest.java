package org.attestedmigration.tpmsimulatortests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.attestedmigration.attestation.AttestationKey;
import org.attestedmigration.attestation.AttestationKeyActivation;
import org.attestedmigration.attestation.Check;
import org.attestedmigration.attestation.EndorsementKey;
import org.attestedmigration.attestation.EndorsementKeyType;
import org.attestedmigration.attestation.Evidence;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.KeyAlgorithm;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.attestation.TrustedAttestationKey;
import org.attestedmigration.attestation.VerificationException;
import org.attestedmigration.attestation.VerifiedEvidence;
import org.attestedmigration.attestation.Verifier;
import org.attestedmigration.attestation.credential.EncryptedCredential;
import org.attestedmigration.attestation.ek.EkCertificateValidator;
import org.attestedmigration.attestation.eventlog.EventType;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.attestedmigration.attestation.swtpm.SoftwareTpm;
import org.attestedmigration.attestation.txt.LaunchComponents;
import org.attestedmigration.attestation.txt.LaunchMeasurement;
import org.attestedmigration.attestation.txt.LaunchModule;
import org.attestedmigration.attestation.txt.MeasuredLaunchPlan;
import org.attestedmigration.attestation.txt.SampleLaunch;
import org.attestedmigration.policy.EvaluationContext;
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
import org.attestedmigration.policy.PeerRole;
import org.attestedmigration.policy.PlatformEventRule;
import org.attestedmigration.policy.Policy;
import org.attestedmigration.policy.Revocations;
import org.attestedmigration.policy.RuleResult;
import org.attestedmigration.policy.TlsRequirements;
import org.attestedmigration.policy.Verdict;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The trust policy against real swtpm evidence: each host's AK activated against its certified
 * EK, hosts identified in the policy by their EK public key hash, EK manufacturers being each
 * swtpm's local CA, and launch rules enrolled from the trusted sample images.
 *
 * <p>alpha (group office) is the local host and sends VMs; beta, and two hosts booted with
 * other software, are in group laptops and receive them.
 */
class PolicyEvaluationTest extends TwoHosts {
    private EmulatedHost otherXen;
    private EmulatedHost otherTboot;
    private VerifiedEvidence beta;

    @BeforeAll
    void bootUntrustedHostsAndAttestBeta() throws Exception {
        otherXen = EmulatedHost.boot("gamma", dir.resolve("gamma"), SampleLaunch.trusted().withHypervisor("xen-4.18.0").components());
        otherTboot = EmulatedHost.boot("delta", dir.resolve("delta"), SampleLaunch.trusted().withMle("tboot-1.10.5").components());
        beta = attest(otherHost);
    }

    @org.junit.jupiter.api.AfterAll
    void stopUntrustedHosts() {
        otherXen.close();
        otherTboot.close();
    }

    @Test
    void trustedLaunchIsAccepted() throws Exception {
        Verdict v = policy(allManufacturers()).evaluate(beta, alphaSendsTo("beta"));

        assertTrue(v.accepted(), () -> describe(v));
        assertEquals(RuleResult.Status.PASS, result(v, "ek.manufacturer").status());
        assertTrue(result(v, "host.identity").detail().contains("EK public key hash"), result(v, "host.identity").detail());
    }

    @Test
    void destinationWithAnotherXenIsRejectedNamingTheHypervisor() throws Exception {
        Verdict v = policy(allManufacturers()).evaluate(attest(otherXen), alphaSendsTo("gamma"));

        assertRejectedOnly(v, "launch.hypervisor");
        assertTrue(result(v, "launch.hypervisor").detail().contains("module 0 (xen.gz): image or command line \""
                + SampleLaunch.XEN_CMDLINE + "\" is not an allowed hypervisor (allowed: 'xen-4.17.3')"), () -> describe(v));
    }

    @Test
    void destinationWithAnotherTbootIsRejectedNamingTheMle() throws Exception {
        Verdict v = policy(allManufacturers()).evaluate(attest(otherTboot), alphaSendsTo("delta"));

        assertRejectedOnly(v, "launch.mle");
        assertTrue(result(v, "launch.mle").detail().contains("TXT_MLE_HASH: digest"), () -> describe(v));
        assertTrue(result(v, "launch.mle").detail().contains("is not an allowed tboot (allowed: 'tboot-1.11.1')"), () -> describe(v));
    }

    @Test
    void hostWithoutLaunchFailsVerificationAndIsRejectedByIt() throws Exception {
        try (SoftwareTpm unlaunched = SoftwareTpm.start(dir.resolve("unlaunched"));
                Tpm tpm = Tpm.open(unlaunched.uri())) {
            byte[] nonce = Hosts.nonce();
            AttestationKey ak = tpm.createAttestationKey(KeyAlgorithm.ECC_P256);
            Evidence e = tpm.attest(ak, nonce, Hosts.QUOTED, host.eventLog().encode());
            VerificationException x = assertThrows(VerificationException.class,
                    () -> Verifier.trusting(TrustedAttestationKey.pinned(ak.publicArea())).verify(e, nonce));
            Verdict v = Verdict.rejectedBy(x);

            assertEquals(Check.MEASURED_LAUNCH, x.check());
            assertEquals(Verdict.Decision.REJECT, v.decision());
            assertEquals("evidence.MEASURED_LAUNCH", v.failures().get(0).rule());
            assertTrue(v.reasons().get(0).contains("all-FF"), v.reasons().get(0));
        }
    }

    @Test
    void ekFromACaThePolicyDoesNotTrustIsRejected() throws Exception {
        // The verifier's activation trusted beta's CA; the policy trusts only alpha's.
        Verdict v = policy(manufacturersOf(host)).evaluate(beta, alphaSendsTo("beta"));

        assertRejectedOnly(v, "ek.manufacturer");
        assertTrue(result(v, "ek.manufacturer").detail().contains("does not chain to a trusted EK manufacturer"), () -> describe(v));
    }

    @Test
    void revokedHostIsRejected() throws Exception {
        Policy p = policy(allManufacturers());
        Policy revoked = new Policy(p.serial() + 1, p.name(), p.ekManufacturers(), p.hosts(), p.groups(), p.migrations(),
                p.measurements(), p.freshness(), p.tls(), new Revocations(List.of("beta"), List.of()));
        Verdict v = revoked.evaluate(beta, alphaSendsTo("beta"));

        assertRejectedOnly(v, "host.revoked");
        assertEquals("host 'beta' is revoked", result(v, "host.revoked").detail());
    }

    @Test
    void migrationInTheWrongDirectionIsRejected() throws Exception {
        // beta would send to alpha: laptops -> office, which no rule allows.
        EvaluationContext reverse = new EvaluationContext("alpha", "beta", PeerRole.SOURCE, Instant.now(), Instant.now(), Optional.empty());
        Verdict v = policy(allManufacturers()).evaluate(beta, reverse);

        assertRejectedOnly(v, "migration.direction");
        assertEquals("host 'beta' (group laptops) may not send VMs to 'alpha' (group office): no migration rule from laptops to office",
                result(v, "migration.direction").detail());
    }

    /** The policy an administrator writes for these hosts, trusting the given EK manufacturer CAs. */
    private Policy policy(List<NamedCertificate> manufacturers) throws Exception {
        List<HostEntry> hosts = new ArrayList<>();
        for (EmulatedHost h : List.of(host, otherHost, otherXen, otherTboot)) {
            hosts.add(new HostEntry(h.name(), Optional.of(new HexValue(ekPublicKeySha256(h))), Optional.empty(), LaunchRules.NONE));
        }
        List<GroupEntry> groups = List.of(new GroupEntry("office", List.of("alpha")),
                new GroupEntry("laptops", List.of("beta", "gamma", "delta")));
        MeasurementRules measurements = new MeasurementRules(HashAlgorithm.SHA256, new TreeMap<>(),
                launchRules(SampleLaunch.trusted().components()));
        return new Policy(1, "swtpm-lab", manufacturers, hosts, groups, List.of(new MigrationRule("office", "laptops")),
                measurements, Freshness.DEFAULT, TlsRequirements.DEFAULT, Revocations.NONE);
    }

    /** Digests computed from the images themselves, as an administrator enrolls them. */
    private static LaunchRules launchRules(LaunchComponents c) {
        HashAlgorithm sha256 = HashAlgorithm.SHA256;
        List<PlatformEventRule> platform = new ArrayList<>();
        for (LaunchMeasurement m : MeasuredLaunchPlan.of(c).measurements()) {
            if (m.pcrIndex() == MeasuredLaunchPlan.PCR_SINIT && m.eventType() != EventType.TXT_HASH_START.code()) {
                platform.add(new PlatformEventRule(EventType.nameOf(m.eventType()), m.eventType(), new HexValue(m.digest(sha256))));
            }
        }
        List<LaunchModule> modules = c.modules();
        return new LaunchRules(
                Optional.of(List.of(new NamedDigest("sinit-5th-gen", new HexValue(sha256.digest(c.sinitAcm()))))),
                Optional.of(platform),
                Optional.of(List.of(new NamedDigest(SampleLaunch.DEFAULT_TBOOT, new HexValue(sha256.digest(c.mle()))))),
                Optional.of(List.of(module(SampleLaunch.DEFAULT_XEN, modules.get(0), SampleLaunch.XEN_CMDLINE))),
                Optional.of(List.of(module(SampleLaunch.DEFAULT_KERNEL, modules.get(1), SampleLaunch.KERNEL_CMDLINE))),
                Optional.of(List.of(module(SampleLaunch.DEFAULT_KERNEL + "-initrd", modules.get(2), ""))));
    }

    private static ModuleRule module(String name, LaunchModule m, String commandLine) {
        return new ModuleRule(name, Optional.of(new HexValue(HashAlgorithm.SHA256.digest(m.image()))), Optional.of(commandLine),
                Optional.empty());
    }

    private List<NamedCertificate> allManufacturers() throws Exception {
        List<NamedCertificate> all = new ArrayList<>(manufacturersOf(host));
        all.addAll(manufacturersOf(otherHost));
        all.addAll(manufacturersOf(otherXen));
        all.addAll(manufacturersOf(otherTboot));
        return all;
    }

    /** A swtpm local CA: its root and the intermediate that signs EK certificates. */
    private static List<NamedCertificate> manufacturersOf(EmulatedHost h) throws Exception {
        List<X509Certificate> ca = h.manufacturerCertificates();
        return List.of(new NamedCertificate(h.name() + "-localca-root", ca.get(0)), new NamedCertificate(h.name() + "-localca", ca.get(1)));
    }

    /** SHA-256 of the RSA EK's SubjectPublicKeyInfo, as taken from its certificate. */
    private static byte[] ekPublicKeySha256(EmulatedHost h) throws Exception {
        try (Tpm tpm = h.openTpm()) {
            X509Certificate cert = tpm.endorsementKey(EndorsementKeyType.RSA_2048).certificate().orElseThrow();
            return HashAlgorithm.SHA256.digest(cert.getPublicKey().getEncoded());
        }
    }

    @Test
    void aReferenceHostWithAnXsmPolicyModuleEnrollsItAndAnotherXsmPolicyIsRejected() throws Exception {
        java.util.List<org.attestedmigration.attestation.txt.LaunchModule> withXsm = new java.util.ArrayList<>(
                SampleLaunch.trusted().components().modules());
        withXsm.add(new org.attestedmigration.attestation.txt.LaunchModule("xsm-flask.pol", "flask policy v1".getBytes(), ""));
        java.util.List<org.attestedmigration.attestation.txt.LaunchModule> otherXsm = new java.util.ArrayList<>(withXsm);
        otherXsm.set(3, new org.attestedmigration.attestation.txt.LaunchModule("xsm-flask.pol", "flask policy v2".getBytes(), ""));
        var trusted = SampleLaunch.trusted().components();
        try (EmulatedHost reference = EmulatedHost.boot("xsm-ref", dir.resolve("xsm-ref"),
                        new org.attestedmigration.attestation.txt.LaunchComponents(trusted.sinitAcm(), trusted.mle(), withXsm));
                EmulatedHost changed = EmulatedHost.boot("xsm-changed", dir.resolve("xsm-changed"),
                        new org.attestedmigration.attestation.txt.LaunchComponents(trusted.sinitAcm(), trusted.mle(), otherXsm))) {
            // Enrollment from the reference's own launch allows its fourth module as an extra module.
            Policy policy = org.attestedmigration.cli.demo.Demo.enrollPair(reference, changed);
            assertTrue(policy.measurements().launch().extraModules().isPresent(), "enrolled: " + policy.measurements().launch());
            Instant now = Instant.now();
            Verdict ok = policy.evaluate(attest(reference), new EvaluationContext("xsm-changed", "xsm-ref", PeerRole.SOURCE,
                    now.minusSeconds(1), now, Optional.empty()));
            assertTrue(ok.accepted(), () -> describe(ok));
            Verdict v = policy.evaluate(attest(changed), new EvaluationContext("xsm-ref", "xsm-changed", PeerRole.DESTINATION,
                    now.minusSeconds(1), now, Optional.empty()));
            assertRejectedOnly(v, "launch.extraModules");
            assertTrue(result(v, "launch.extraModules").detail().contains("module 3 (xsm-flask.pol)"), () -> describe(v));
        }
    }

    /** The host's evidence, its ECC AK activated against its RSA EK certificate, verified for a fresh nonce. */
    private static VerifiedEvidence attest(EmulatedHost h) throws Exception {
        try (Tpm tpm = h.openTpm()) {
            AttestationKey ak = tpm.createAttestationKey(KeyAlgorithm.ECC_P256);
            EndorsementKey ek = tpm.endorsementKey(EndorsementKeyType.RSA_2048);
            List<X509Certificate> ca = h.manufacturerCertificates();
            AttestationKeyActivation activation = AttestationKeyActivation.challenge(
                    new EkCertificateValidator(List.of(ca.get(0)), List.of(ca.get(1))),
                    ek.certificate().orElseThrow(), ek.publicArea(), ak.publicArea(), Instant.now());
            EncryptedCredential credential = activation.credential();
            TrustedAttestationKey trusted = activation.verifyAnswer(tpm.activateCredential(ak, EndorsementKeyType.RSA_2048,
                    credential.credentialBlob(), credential.encryptedSecret()));
            byte[] nonce = Hosts.nonce();
            return Verifier.trusting(trusted).verify(tpm.attest(ak, nonce, Hosts.QUOTED, h.eventLog().encode()), nonce);
        }
    }

    private static EvaluationContext alphaSendsTo(String peer) {
        Instant now = Instant.now();
        return new EvaluationContext("alpha", peer, PeerRole.DESTINATION, now.minusSeconds(1), now, Optional.empty());
    }

    private static void assertRejectedOnly(Verdict v, String rule) {
        assertEquals(Verdict.Decision.REJECT, v.decision(), () -> describe(v));
        assertEquals(List.of(rule), v.failures().stream().map(RuleResult::rule).toList(), () -> describe(v));
    }

    private static RuleResult result(Verdict v, String rule) {
        return v.results().stream().filter(r -> r.rule().equals(rule)).findFirst().orElseThrow();
    }

    private static String describe(Verdict v) {
        StringBuilder sb = new StringBuilder(v.decision().name());
        v.results().forEach(r -> sb.append("\n  ").append(r.status()).append(' ').append(r.rule()).append(": ").append(r.detail()));
        return sb.toString();
    }
}
