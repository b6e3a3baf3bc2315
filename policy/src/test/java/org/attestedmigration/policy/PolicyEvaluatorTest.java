package org.attestedmigration.policy;

import static org.attestedmigration.policy.testing.OfficeAndLaptops.NOW;
import static org.attestedmigration.policy.testing.OfficeAndLaptops.at;
import static org.attestedmigration.policy.testing.OfficeAndLaptops.peerReceives;
import static org.attestedmigration.policy.testing.OfficeAndLaptops.peerSends;
import static org.attestedmigration.policy.testing.OfficeAndLaptops.withTls;
import static org.attestedmigration.policy.testing.VerdictAssertions.assertFails;
import static org.attestedmigration.policy.testing.VerdictAssertions.assertNotApplicable;
import static org.attestedmigration.policy.testing.VerdictAssertions.assertOnlyFailures;
import static org.attestedmigration.policy.testing.VerdictAssertions.assertPasses;
import static org.attestedmigration.policy.testing.VerdictAssertions.describe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.attestedmigration.attestation.VerifiedEvidence;
import org.attestedmigration.attestation.txt.SampleLaunch;
import org.attestedmigration.policy.testing.OfficeAndLaptops;
import org.junit.jupiter.api.Test;

/** The evaluator as a whole: what a trusted peer gets, and every rule reported however many fail. */
class PolicyEvaluatorTest {
    private static final List<String> ALL_RULES = List.of("host.identity", "host.revoked", "ek.manufacturer",
            "migration.direction", "launch.completed", "pcr.18", "launch.sinit", "launch.platform", "launch.mle",
            "launch.hypervisor", "launch.kernel", "launch.initrd", "launch.extraModules", "launch.structure", "freshness.evidenceAge",
            "tls.protocol", "tls.cipherSuite", "tls.exporter");

    private final OfficeAndLaptops hosts = new OfficeAndLaptops();
    private final VerifiedEvidence trusted = hosts.office1Trusted();

    @Test
    void trustedPeerInTheAllowedDirectionIsAccepted() {
        Verdict v = hosts.policy().build().evaluate(trusted, peerSends("office-1"));

        assertTrue(v.accepted(), () -> describe(v));
        assertEquals(ALL_RULES, v.results().stream().map(RuleResult::rule).toList());
        for (String rule : ALL_RULES) {
            if (rule.startsWith("tls.") || rule.equals("launch.extraModules")) {
                // No TLS facts in this evaluation, and the policy lists no extra boot modules.
                assertNotApplicable(v, rule);
            } else {
                assertPasses(v, rule);
            }
        }
    }

    @Test
    void everyRuleIsEvaluatedWhenSeveralFail() {
        VerifiedEvidence bad = hosts.office1Launching(SampleLaunch.trusted().withHypervisor("xen-4.18.0").withMle("tboot-1.10.5").components());
        Verdict v = hosts.policy().revokeHost("office-1").build()
                .evaluate(bad, withTls(at(peerReceives("office-1"), NOW.plusSeconds(600)), new TlsSessionFacts("TLSv1.2",
                        "TLS_AES_128_CCM_SHA256", false)));

        assertEquals(ALL_RULES, v.results().stream().map(RuleResult::rule).toList());
        assertOnlyFailures(v, "host.revoked", "migration.direction", "pcr.18", "launch.mle", "launch.hypervisor",
                "freshness.evidenceAge", "tls.protocol", "tls.cipherSuite");
        assertEquals(8, v.reasons().size());
    }

    @Test
    void unknownPeerIsRejectedByIdentityTrustAndDirection() {
        Verdict v = hosts.policy().build().evaluate(trusted, peerSends("intruder"));

        assertFails(v, "host.identity", "host 'intruder' is not a host of policy 'test-policy'",
                "is not a host of policy");
        assertFalse(v.reasons().toString().contains("office-1"), "a stranger is not told which hosts are known: " + v.reasons());
        assertFails(v, "ek.manufacturer", "host 'intruder' is not in the policy");
        assertFails(v, "migration.direction", "source host 'intruder' is not in the policy");
        assertOnlyFailures(v, "host.identity", "ek.manufacturer", "migration.direction");
    }

    @Test
    void evidenceFromAnotherHostsAkFailsIdentity() {
        // office-2's name claimed with office-1's TPM: the AK pinned for office-2 is another.
        Verdict v = hosts.policy().build().evaluate(trusted, peerSends("office-2"));

        assertFails(v, "host.identity", "is not host 'office-2''s pinned AK");
        assertFails(v, "ek.manufacturer", "is not the AK", "the policy pins for host 'office-2'");
    }

    @Test
    void hostIdentifiedByEkCannotBeMatchedWithAPinnedAk() {
        Policy p = TestPolicyWithEkHost.policy(hosts);
        Verdict v = p.evaluate(trusted, peerSends("office-1"));

        assertFails(v, "host.identity", "identified by its EK public key hash", "the evidence's AK was pinned");
        assertFails(v, "ek.manufacturer", "host 'office-1' pins no AK in the policy");
    }

    @Test
    void revokedHostIsRejected() {
        Verdict v = hosts.policy().revokeHost("office-1").build().evaluate(trusted, peerSends("office-1"));

        assertFails(v, "host.revoked", "host 'office-1' is revoked");
        assertOnlyFailures(v, "host.revoked");
    }

    @Test
    void revokedKeyIsRejected() {
        Verdict v = hosts.policy().revokeKey(hosts.office1.akName()).build().evaluate(trusted, peerSends("office-1"));

        assertFails(v, "host.revoked", "AK " + new HexValue(hosts.office1.akName()).abbreviated() + " of host 'office-1' is revoked");
        assertOnlyFailures(v, "host.revoked");
    }

    @Test
    void migrationAgainstTheRuleDirectionIsRejected() {
        // The policy allows office -> laptops; here laptop-7 would push to office-1.
        Verdict v = hosts.policy().build().evaluate(trusted, peerReceives("office-1"));

        assertFails(v, "migration.direction",
                "host 'laptop-7' (group laptops) may not send VMs to 'office-1' (group office): no migration rule from laptops to office");
        assertOnlyFailures(v, "migration.direction");
    }

    @Test
    void unknownLocalHostFailsDirection() {
        EvaluationContext c = new EvaluationContext("mystery", "office-1", PeerRole.SOURCE, OfficeAndLaptops.NONCE_ISSUED, NOW,
                java.util.Optional.empty());
        Verdict v = hosts.policy().build().evaluate(trusted, c);

        assertFails(v, "migration.direction", "destination host 'mystery' is not in the policy");
    }

    @Test
    void staleEvidenceIsRejected() {
        Verdict v = hosts.policy().maxEvidenceAge(Duration.ofSeconds(60)).build()
                .evaluate(trusted, at(peerSends("office-1"), OfficeAndLaptops.NONCE_ISSUED.plusSeconds(61)));

        assertFails(v, "freshness.evidenceAge", "evidence is 61s old", "more than maxEvidenceAge 60s");
        assertOnlyFailures(v, "freshness.evidenceAge");
    }

    @Test
    void evidenceExactlyAtMaxAgeIsAccepted() {
        Verdict v = hosts.policy().build().evaluate(trusted, at(peerSends("office-1"), OfficeAndLaptops.NONCE_ISSUED.plusSeconds(60)));

        assertTrue(v.accepted(), () -> describe(v));
    }

    @Test
    void nonceFromTheFutureIsRejectedBeyondClockTolerance() {
        Verdict skewed = hosts.policy().build().evaluate(trusted, at(peerSends("office-1"), OfficeAndLaptops.NONCE_ISSUED.minusSeconds(30)));
        Verdict slight = hosts.policy().build().evaluate(trusted, at(peerSends("office-1"), OfficeAndLaptops.NONCE_ISSUED.minusMillis(500)));

        assertFails(skewed, "freshness.evidenceAge", "30s after now", "the clocks disagree");
        assertPasses(slight, "freshness.evidenceAge");
    }

    @Test
    void tlsRulesAreNotApplicableOffline() {
        Verdict v = hosts.policy().build().evaluate(trusted, peerSends("office-1"));

        for (String rule : List.of("tls.protocol", "tls.cipherSuite", "tls.exporter")) {
            assertNotApplicable(v, rule);
        }
    }

    @Test
    void tls13WithAnAllowedSuitePasses() {
        Verdict v = hosts.policy().build().evaluate(trusted,
                withTls(peerSends("office-1"), new TlsSessionFacts("TLSv1.3", "TLS_AES_256_GCM_SHA384", true)));

        assertTrue(v.accepted(), () -> describe(v));
        assertPasses(v, "tls.protocol");
        assertPasses(v, "tls.cipherSuite");
        assertPasses(v, "tls.exporter");
    }

    @Test
    void tls12IsRejected() {
        Verdict v = hosts.policy().build().evaluate(trusted,
                withTls(peerSends("office-1"), new TlsSessionFacts("TLSv1.2", "TLS_AES_256_GCM_SHA384", false)));

        assertFails(v, "tls.protocol", "the channel negotiated TLSv1.2; TLSv1.3 is required");
        assertOnlyFailures(v, "tls.protocol");
    }

    @Test
    void suiteOutsideThePolicyListIsRejected() {
        Verdict v = hosts.policy().tls(new TlsRequirements(List.of("TLS_AES_256_GCM_SHA384"), false)).build().evaluate(trusted,
                withTls(peerSends("office-1"), new TlsSessionFacts("TLSv1.3", "TLS_AES_128_GCM_SHA256", false)));

        assertFails(v, "tls.cipherSuite", "cipher suite TLS_AES_128_GCM_SHA256 is not allowed (allowed: TLS_AES_256_GCM_SHA384)");
        assertOnlyFailures(v, "tls.cipherSuite");
    }

    @Test
    void exporterRequiredButNotBoundIsRejected() {
        Verdict v = hosts.policy().tls(new TlsRequirements(TlsRequirements.TLS13_SUITES, true)).build().evaluate(trusted,
                withTls(peerSends("office-1"), new TlsSessionFacts("TLSv1.3", "TLS_AES_256_GCM_SHA384", false)));

        assertFails(v, "tls.exporter", "the policy requires the quote to bind the channel's TLS exporter value");
        assertOnlyFailures(v, "tls.exporter");
    }

    @Test
    void policyWithoutHostsAcceptsNothing() {
        Policy empty = new Policy(1, "empty", List.of(), List.of(), List.of(), List.of(),
                new MeasurementRules(org.attestedmigration.attestation.HashAlgorithm.SHA256, new java.util.TreeMap<>(), LaunchRules.NONE),
                Freshness.DEFAULT, TlsRequirements.DEFAULT, Revocations.NONE);
        Verdict v = empty.evaluate(trusted, peerSends("office-1"));

        assertFails(v, "host.identity", "(the policy has no hosts)");
        assertFails(v, "migration.direction", "is not in the policy");
    }

    /** A policy whose office-1 is identified by an EK hash only: a pinned AK cannot prove that. */
    private static final class TestPolicyWithEkHost {
        static Policy policy(OfficeAndLaptops hosts) {
            Policy base = hosts.policy().build();
            List<HostEntry> changed = base.hosts().stream()
                    .map(h -> h.name().equals("office-1")
                            ? new HostEntry("office-1", java.util.Optional.of(new HexValue(new byte[32])), java.util.Optional.empty(),
                                    LaunchRules.NONE)
                            : h)
                    .toList();
            return new Policy(base.serial(), base.name(), base.ekManufacturers(), changed, base.groups(), base.migrations(),
                    base.measurements(), base.freshness(), base.tls(), base.revoked());
        }
    }
}
