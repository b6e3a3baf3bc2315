package org.attestedmigration.policy.testing;

import java.time.Instant;
import java.util.Optional;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.VerifiedEvidence;
import org.attestedmigration.attestation.txt.LaunchComponents;
import org.attestedmigration.attestation.txt.MeasuredLaunchPlan;
import org.attestedmigration.attestation.txt.SampleLaunch;
import org.attestedmigration.policy.EvaluationContext;
import org.attestedmigration.policy.HexValue;
import org.attestedmigration.policy.LaunchRules;
import org.attestedmigration.policy.NamedDigest;
import org.attestedmigration.policy.PeerRole;
import org.attestedmigration.policy.TlsSessionFacts;

/**
 * The scenario the unit tests share: hosts office-1 and office-2 (group office) and laptop-7 and
 * old-laptop (group laptops); VMs may move from office to laptops only. Each host has its own
 * synthetic TPM, pinned by AK name; the launch rules allow exactly {@link SampleLaunch#trusted()}.
 */
public final class OfficeAndLaptops {
    public static final Instant NONCE_ISSUED = Instant.parse("2026-11-25T10:00:00Z");
    public static final Instant NOW = NONCE_ISSUED.plusSeconds(2);
    public static final String PCR18_NAME = "tboot-1.11-xen-4.17";

    public final SyntheticHost office1 = SyntheticHost.create();
    public final SyntheticHost office2 = SyntheticHost.create();
    public final SyntheticHost laptop7 = SyntheticHost.create();

    /** The policy as described, ready for a test to add to. */
    public TestPolicy policy() {
        return TestPolicy.builder()
                .hostWithAk("office-1", office1.akName())
                .hostWithAk("office-2", office2.akName())
                .hostWithAk("laptop-7", laptop7.akName())
                .hostWithAk("old-laptop", SyntheticHost.create().akName())
                .group("office", "office-1", "office-2")
                .group("laptops", "laptop-7", "old-laptop")
                .migration("office", "laptops")
                .launch(trustedLaunchRules())
                .pcr(18, new NamedDigest(PCR18_NAME, new HexValue(trustedPcr(18))));
    }

    public static LaunchRules trustedLaunchRules() {
        return TestPolicy.launchRulesFor(SampleLaunch.trusted().components(), "sinit-5th-gen", SampleLaunch.DEFAULT_TBOOT,
                SampleLaunch.DEFAULT_XEN, SampleLaunch.DEFAULT_KERNEL, SampleLaunch.DEFAULT_KERNEL + "-initrd");
    }

    public static byte[] trustedPcr(int pcr) {
        return MeasuredLaunchPlan.of(SampleLaunch.trusted().components()).expectedPcrs().get(HashAlgorithm.SHA256, pcr).orElseThrow();
    }

    /** office-1 after the trusted launch. */
    public VerifiedEvidence office1Trusted() {
        return office1.launch(SampleLaunch.trusted().components());
    }

    public VerifiedEvidence office1Launching(LaunchComponents components) {
        return office1.launch(components);
    }

    /** laptop-7 (local) receives a VM from the peer: the allowed direction when the peer is in office. */
    public static EvaluationContext peerSends(String peer) {
        return new EvaluationContext("laptop-7", peer, PeerRole.SOURCE, NONCE_ISSUED, NOW, Optional.empty());
    }

    /** laptop-7 (local) sends a VM to the peer. */
    public static EvaluationContext peerReceives(String peer) {
        return new EvaluationContext("laptop-7", peer, PeerRole.DESTINATION, NONCE_ISSUED, NOW, Optional.empty());
    }

    public static EvaluationContext withTls(EvaluationContext c, TlsSessionFacts tls) {
        return new EvaluationContext(c.localHost(), c.peerHost(), c.peerRole(), c.nonceIssuedAt(), c.now(), Optional.of(tls));
    }

    public static EvaluationContext at(EvaluationContext c, Instant now) {
        return new EvaluationContext(c.localHost(), c.peerHost(), c.peerRole(), c.nonceIssuedAt(), now, c.tls());
    }
}
