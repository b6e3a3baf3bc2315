package org.attestedmigration.tpmsimulatortests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.attestedmigration.attestation.AttestationKey;
import org.attestedmigration.attestation.DirectAttestation;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.KeyAlgorithm;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.attestedmigration.policy.Freshness;
import org.attestedmigration.policy.HostEntry;
import org.attestedmigration.policy.LaunchRules;
import org.attestedmigration.policy.MeasurementRules;
import org.attestedmigration.policy.MigrationRule;
import org.attestedmigration.policy.NamedCertificate;
import org.attestedmigration.policy.Policy;
import org.attestedmigration.policy.PolicyEnrollment;
import org.attestedmigration.policy.Revocations;
import org.attestedmigration.policy.RuleResult;
import org.attestedmigration.policy.TlsRequirements;
import org.attestedmigration.policy.Verdict;
import org.attestedmigration.securechannel.handshake.AttestationRejectedException;
import org.attestedmigration.securechannel.handshake.AttestedConnection;
import org.attestedmigration.securechannel.handshake.AttestedEndpoint;
import org.attestedmigration.securechannel.handshake.AttestedListener;
import org.attestedmigration.securechannel.handshake.HandshakeException;
import org.attestedmigration.securechannel.handshake.HandshakeMessage;
import org.attestedmigration.securechannel.handshake.HandshakeStep;
import org.attestedmigration.securechannel.handshake.MigrationRole;
import org.attestedmigration.securechannel.handshake.PeerAkTrust;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a handshake comes to trust the peer's AK, against real swtpm hosts: credential activation
 * the first time, the remembered activation afterwards (but never across an AK change, and not at
 * all with the cache off), and no activation for hosts the policy identifies by a pinned AK alone,
 * which then need neither an EK certificate nor an EK manufacturer in the policy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HandshakeTrustTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    @TempDir
    static Path dir;

    private EmulatedHost src;
    private EmulatedHost dst;
    private Tpm srcTpm;
    private Tpm dstTpm;
    /** Both hosts identified by their EK alone (no pinned AK), so that another AK of the same TPM passes the policy. */
    private Policy byEk;
    /** Both hosts identified by their pinned ECC AK alone; no EK manufacturer at all. */
    private Policy byPinnedAk;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private EventLoopGroup rawGroup;

    @BeforeAll
    void bootAndEnroll() throws Exception {
        src = Hosts.bootTrusted(dir, "src-1");
        dst = Hosts.bootTrusted(dir, "dst-1");
        List<NamedCertificate> cas = new ArrayList<>();
        for (EmulatedHost h : List.of(src, dst)) {
            for (X509Certificate ca : h.manufacturerCertificates()) {
                cas.add(new NamedCertificate("ca-" + cas.size(), ca));
            }
        }
        Policy p = new Policy(1, "trust-test", cas, List.of(), List.of(), List.of(),
                new MeasurementRules(HashAlgorithm.SHA256, new TreeMap<>(), LaunchRules.NONE), Freshness.DEFAULT, TlsRequirements.DEFAULT,
                Revocations.NONE);
        p = PolicyEnrollment.enroll(p, src.name(), "sources", verified(src, p), List.of(), PolicyEnrollment.Scope.IDENTITY_AND_REFERENCE_VALUES);
        p = PolicyEnrollment.enroll(p, dst.name(), "destinations", verified(dst, p), List.of(), PolicyEnrollment.Scope.IDENTITY_ONLY);
        // Opened after enrollment, whose AKs its own connection flushed: swtpm holds only three loaded objects.
        srcTpm = src.openTpm();
        dstTpm = dst.openTpm();
        List<HostEntry> ekOnly = p.hosts().stream().map(h -> new HostEntry(h.name(), h.ekPublicKeySha256(), java.util.Optional.empty(), h.hostUnique()))
                .toList();
        List<HostEntry> akOnly = p.hosts().stream().map(h -> new HostEntry(h.name(), java.util.Optional.empty(), h.akName(), h.hostUnique()))
                .toList();
        List<MigrationRule> rules = List.of(new MigrationRule("sources", "destinations"));
        byEk = new Policy(p.serial() + 1, p.name(), p.ekManufacturers(), ekOnly, p.groups(), rules, p.measurements(), p.freshness(), p.tls(),
                p.revoked());
        byPinnedAk = new Policy(p.serial() + 1, p.name(), List.of(), akOnly, p.groups(), rules, p.measurements(), p.freshness(), p.tls(),
                p.revoked());
        rawGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    private static org.attestedmigration.attestation.VerifiedEvidence verified(EmulatedHost host, Policy p) throws Exception {
        try (Tpm tpm = host.openTpm()) {
            return DirectAttestation.attest(tpm, p.ekManufacturerValidator(), PcrSelection.of(HashAlgorithm.SHA256, 0, 17, 18, 19),
                    host.eventLog().encode());
        }
    }

    /** Each endpoint keeps its AK loaded in the TPM, and swtpm holds only a few: close them after each test. */
    @AfterEach
    void closeEndpoints() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        closing.clear();
    }

    @AfterAll
    void stop() throws Exception {
        if (rawGroup != null) {
            rawGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        srcTpm.close();
        dstTpm.close();
        src.close();
        dst.close();
    }

    private AttestedEndpoint endpoint(EmulatedHost host, Tpm tpm, Policy policy, KeyAlgorithm ak, Duration cacheLifetime) {
        AttestedEndpoint e = AttestedEndpoint.builder(host.name(), tpm, host.eventLog().encode(), policy).attestationKey(ak)
                .activationCacheLifetime(cacheLifetime).build();
        closing.add(e);
        return e;
    }

    /** A destination listening with its outcomes queued. */
    private record Listening(AttestedListener listener, BlockingQueue<AttestedConnection> attested, BlockingQueue<HandshakeException> failed) {
        int port() {
            return listener.address().getPort();
        }
    }

    private Listening listen(AttestedEndpoint destination) throws InterruptedException {
        BlockingQueue<AttestedConnection> ok = new LinkedBlockingQueue<>();
        BlockingQueue<HandshakeException> failed = new LinkedBlockingQueue<>();
        AttestedListener l = destination.listen(new InetSocketAddress("127.0.0.1", 0), ok::add, failed::add);
        closing.add(l);
        return new Listening(l, ok, failed);
    }

    /** One handshake; both ends' connections, both closed again. */
    private record Both(AttestedConnection source, AttestedConnection destination) {
    }

    private Both handshake(AttestedEndpoint source, Listening destination) throws Exception {
        AttestedConnection s = source.connect("127.0.0.1", destination.port(), MigrationRole.SOURCE).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        AttestedConnection d = destination.attested().poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(d, "the destination handed out the connection: " + destination.failed());
        s.close();
        d.close();
        return new Both(s, d);
    }

    private static RuleResult akTrustLine(Verdict v) {
        return v.results().stream().filter(r -> r.rule().equals("ak.activation")).findFirst()
                .orElseThrow(() -> new AssertionError("no ak.activation line in " + v.results()));
    }

    @Test
    void firstHandshakeActivatesTheSecondReusesAndAnotherAkActivatesAgain() throws Exception {
        Listening destination = listen(endpoint(dst, dstTpm, byEk, KeyAlgorithm.ECC_P256, Duration.ofSeconds(30)));
        AttestedEndpoint source = endpoint(src, srcTpm, byEk, KeyAlgorithm.ECC_P256, Duration.ofSeconds(30));

        Both first = handshake(source, destination);
        assertEquals(PeerAkTrust.ACTIVATED, first.destination().peerAkTrust());
        assertEquals(PeerAkTrust.ACTIVATED, first.source().peerAkTrust());
        assertTrue(akTrustLine(first.destination().localVerdict()).detail().startsWith("activated in this handshake"));
        assertTrue(first.destination().stepTimes().containsKey(HandshakeStep.CREDENTIAL_ANSWER));

        Both second = handshake(source, destination);
        assertEquals(PeerAkTrust.ACTIVATION_REUSED, second.destination().peerAkTrust());
        assertEquals(PeerAkTrust.ACTIVATION_REUSED, second.source().peerAkTrust());
        assertTrue(akTrustLine(second.destination().localVerdict()).detail().startsWith("reused"), "the verdict says so");
        // The peer sees it too: our verdict travels to it.
        assertTrue(akTrustLine(second.source().peerVerdict()).detail().startsWith("reused"));
        assertTrue(!second.destination().stepTimes().containsKey(HandshakeStep.CREDENTIAL_ANSWER), "no activation round");

        // The same TPM and EK, another AK (RSA instead of ECC): the remembered pair no longer matches.
        AttestedEndpoint rsaSource = endpoint(src, srcTpm, byEk, KeyAlgorithm.RSA_2048, Duration.ofSeconds(30));
        Both changed = handshake(rsaSource, destination);
        assertEquals(PeerAkTrust.ACTIVATED, changed.destination().peerAkTrust());
        // ... and back to the ECC AK: the entry now holds the RSA AK, so ECC is activated again.
        assertEquals(PeerAkTrust.ACTIVATED, handshake(source, destination).destination().peerAkTrust());
        assertEquals(PeerAkTrust.ACTIVATION_REUSED, handshake(source, destination).destination().peerAkTrust());
    }

    @Test
    void withTheCacheOffEveryHandshakeActivates() throws Exception {
        Listening destination = listen(endpoint(dst, dstTpm, byEk, KeyAlgorithm.ECC_P256, Duration.ZERO));
        AttestedEndpoint source = endpoint(src, srcTpm, byEk, KeyAlgorithm.ECC_P256, Duration.ZERO);
        for (int i = 0; i < 2; i++) {
            Both b = handshake(source, destination);
            assertEquals(PeerAkTrust.ACTIVATED, b.destination().peerAkTrust());
            assertEquals(PeerAkTrust.ACTIVATED, b.source().peerAkTrust());
        }
    }

    @Test
    void anExpiredActivationIsNotReused() throws Exception {
        Listening destination = listen(endpoint(dst, dstTpm, byEk, KeyAlgorithm.ECC_P256, Duration.ofMillis(300)));
        AttestedEndpoint source = endpoint(src, srcTpm, byEk, KeyAlgorithm.ECC_P256, Duration.ofMillis(300));
        assertEquals(PeerAkTrust.ACTIVATED, handshake(source, destination).destination().peerAkTrust());
        Thread.sleep(400);
        assertEquals(PeerAkTrust.ACTIVATED, handshake(source, destination).destination().peerAkTrust());
    }

    @Test
    void theCacheLifetimeIsBounded() {
        var builder = AttestedEndpoint.builder(dst.name(), dstTpm, dst.eventLog().encode(), byEk);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> builder.activationCacheLifetime(Duration.ofHours(2)));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> builder.activationCacheLifetime(Duration.ofSeconds(-1)));
    }

    @Test
    void theDefaultCacheLifetimeIsThePolicysNonceLifetime() {
        AttestedEndpoint e = AttestedEndpoint.builder(dst.name(), dstTpm, dst.eventLog().encode(), byEk).build();
        closing.add(e);
        assertEquals(byEk.freshness().nonceLifetime(), e.activationCacheLifetime());
    }

    @Test
    void hostsPinnedByTheirAkAloneAttestWithoutEkOrActivation() throws Exception {
        assertTrue(byPinnedAk.ekManufacturers().isEmpty());
        Listening destination = listen(endpoint(dst, dstTpm, byPinnedAk, KeyAlgorithm.ECC_P256, Duration.ofSeconds(30)));
        AttestedEndpoint source = endpoint(src, srcTpm, byPinnedAk, KeyAlgorithm.ECC_P256, Duration.ofSeconds(30));
        for (int i = 0; i < 2; i++) {
            Both b = handshake(source, destination);
            assertEquals(PeerAkTrust.PINNED, b.destination().peerAkTrust());
            assertEquals(PeerAkTrust.PINNED, b.source().peerAkTrust());
            Verdict v = b.destination().localVerdict();
            assertTrue(v.accepted());
            assertTrue(akTrustLine(v).detail().startsWith("not needed"), v.results().toString());
            assertTrue(v.results().stream().anyMatch(r -> r.rule().equals("ek.manufacturer") && r.detail().contains("pinned")), v.results().toString());
            assertTrue(!b.destination().stepTimes().containsKey(HandshakeStep.CREDENTIAL_ANSWER));
        }
    }

    @Test
    void aPinnedHostsHelloCarriesNoEndorsementKey() throws Exception {
        Listening destination = listen(endpoint(dst, dstTpm, byPinnedAk, KeyAlgorithm.ECC_P256, Duration.ofSeconds(30)));
        try (AttestedHandshakeTest.RawPeer peer = AttestedHandshakeTest.RawPeer.connect(rawGroup, destination.port())) {
            byte[] akPublic;
            synchronized (srcTpm) {
                AttestationKey ak = srcTpm.createAttestationKey(KeyAlgorithm.ECC_P256);
                akPublic = ak.publicArea();
                srcTpm.release(ak);
            }
            peer.send(new HandshakeMessage.Hello(HandshakeMessage.PROTOCOL_VERSION, src.name(), MigrationRole.SOURCE, Hosts.nonce(), false,
                    akPublic, List.of()));
            HandshakeMessage.Hello hello = peer.receive(HandshakeMessage.Hello.class);
            assertTrue(hello.endorsement().isEmpty(), "a host the policy pins by its AK does not disclose its EK certificate");
            // Pinned, so no challenge: its evidence comes at once.
            peer.receive(HandshakeMessage.EvidenceMessage.class);
        }
    }

    @Test
    void aPinnedHostPresentingAnotherAkIsRefusedBeforeAnyEvidence() throws Exception {
        Listening destination = listen(endpoint(dst, dstTpm, byPinnedAk, KeyAlgorithm.ECC_P256, Duration.ofSeconds(30)));
        AttestedEndpoint rsaSource = endpoint(src, srcTpm, byPinnedAk, KeyAlgorithm.RSA_2048, Duration.ofSeconds(30));
        try {
            rsaSource.connect("127.0.0.1", destination.port(), MigrationRole.SOURCE).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            throw new AssertionError("an AK other than the pinned one must be refused");
        } catch (ExecutionException e) {
            AttestationRejectedException told = assertInstanceOf(AttestationRejectedException.class, e.getCause());
            assertEquals(AttestationRejectedException.RejectedBy.PEER, told.rejectedBy());
            assertEquals(HandshakeStep.HELLO, told.step(), "refused at the HELLO, before any evidence");
        }
        AttestationRejectedException local = assertInstanceOf(AttestationRejectedException.class,
                destination.failed().poll(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertTrue(local.verdict().failures().stream().anyMatch(r -> r.rule().equals("host.identity") && r.detail().contains("pinned AK")),
                local.verdict().reasons().toString());
        assertNull(destination.attested().poll(200, TimeUnit.MILLISECONDS));
    }

    @Test
    void aStrangerGetsNothingButTheRejection() throws Exception {
        Listening destination = listen(endpoint(dst, dstTpm, byEk, KeyAlgorithm.ECC_P256, Duration.ofSeconds(30)));
        try (AttestedHandshakeTest.RawPeer peer = AttestedHandshakeTest.RawPeer.connect(rawGroup, destination.port())) {
            // The real keys of src-1, but claiming a name the policy does not have.
            peer.send(AttestedHandshakeTest.RawPeer.hello("nobody", srcTpm, Hosts.nonce()));
            HandshakeMessage.VerdictMessage verdict = peer.receive(HandshakeMessage.VerdictMessage.class);
            assertEquals(Verdict.Decision.REJECT, verdict.decision());
            assertTrue(verdict.toVerdict().reasons().toString().contains("host.identity"));
            assertTrue(!verdict.toVerdict().reasons().toString().contains("dst-1"), "the policy's hosts are not listed to a stranger");
            assertTrue(peer.closedWithOnlyHandshakeMessages(WAIT));
        }
        try (AttestedHandshakeTest.RawPeer peer = AttestedHandshakeTest.RawPeer.connect(rawGroup, destination.port())) {
            // A policy host's name with another TPM's keys (the destination's own).
            peer.send(AttestedHandshakeTest.RawPeer.hello("src-1", dstTpm, Hosts.nonce()));
            HandshakeMessage.VerdictMessage verdict = peer.receive(HandshakeMessage.VerdictMessage.class);
            assertTrue(verdict.toVerdict().reasons().toString().contains("another TPM"), verdict.toVerdict().reasons().toString());
            assertTrue(peer.closedWithOnlyHandshakeMessages(WAIT));
        }
        for (int i = 0; i < 2; i++) {
            HandshakeException e = destination.failed().poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(HandshakeStep.HELLO, assertInstanceOf(AttestationRejectedException.class, e).step());
        }
        assertNull(destination.attested().poll(200, TimeUnit.MILLISECONDS));
    }

    /**
     * Not an assertion: warm handshake medians by how the AKs are trusted (activation every time,
     * activation remembered, pinned AKs), against the two quotes. Run with
     * {@code -Dhandshake.benchmark=true}.
     */
    @Test
    @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "handshake.benchmark", matches = "true")
    void benchmarkByTrust() throws Exception {
        record Mode(String name, Policy policy, Duration cache) {
        }
        int warmup = 15;
        int runs = 60;
        for (int round = 0; round < 2; round++) {
            for (Mode m : List.of(new Mode("activated every time (cache off)", byEk, Duration.ZERO),
                    new Mode("activation reused (cache 30 s)", byEk, Duration.ofSeconds(30)),
                    new Mode("pinned AKs (no EK)", byPinnedAk, Duration.ofSeconds(30)))) {
                Listening destination = listen(endpoint(dst, dstTpm, m.policy(), KeyAlgorithm.ECC_P256, m.cache()));
                AttestedEndpoint source = endpoint(src, srcTpm, m.policy(), KeyAlgorithm.ECC_P256, m.cache());
                double[] totals = new double[runs];
                java.util.Map<String, List<Double>> parts = new java.util.TreeMap<>();
                for (int i = 0; i < warmup + runs; i++) {
                    Both b = handshake(source, destination);
                    if (i >= warmup) {
                        totals[i - warmup] = b.source().handshakeTime().toNanos() / 1e6;
                        b.source().timings().steps().forEach((k, v) -> parts.computeIfAbsent("src " + k, x -> new ArrayList<>()).add(v.toNanos() / 1e6));
                        b.source().timings().work().forEach((k, v) -> parts.computeIfAbsent("src " + k, x -> new ArrayList<>()).add(v.toNanos() / 1e6));
                        b.destination().timings().work().forEach((k, v) -> parts.computeIfAbsent("dst " + k, x -> new ArrayList<>()).add(v.toNanos() / 1e6));
                    }
                }
                java.util.Arrays.sort(totals);
                StringBuilder sb = new StringBuilder();
                parts.forEach((k, v) -> sb.append(String.format("; %s %.2f", k, v.stream().mapToDouble(Double::doubleValue).sorted().toArray()[v.size() / 2])));
                System.out.printf("HANDSHAKE %s: median %.2f ms (p10 %.2f, p90 %.2f) over %d%s%n", m.name(), totals[runs / 2], totals[runs / 10],
                        totals[runs * 9 / 10], runs, sb);
                closeEndpoints();
            }
        }
        double[] q = new double[2];
        Tpm[] tpms = {srcTpm, dstTpm};
        for (int h = 0; h < 2; h++) {
            synchronized (tpms[h]) {
                AttestationKey ak = tpms[h].createAttestationKey(KeyAlgorithm.ECC_P256);
                double[] t = new double[runs];
                for (int i = 0; i < warmup + runs; i++) {
                    long s = System.nanoTime();
                    tpms[h].quote(ak, new byte[32], List.of(PcrSelection.of(HashAlgorithm.SHA256, 17, 18, 19)));
                    if (i >= warmup) {
                        t[i - warmup] = (System.nanoTime() - s) / 1e6;
                    }
                }
                tpms[h].release(ak);
                java.util.Arrays.sort(t);
                q[h] = t[runs / 2];
            }
        }
        System.out.printf("HANDSHAKE two quotes: %.2f + %.2f = %.2f ms%n", q[0], q[1], q[0] + q[1]);
    }
}
