package org.attestedmigration.tpmsimulatortests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.attestedmigration.attestation.AttestationException;
import org.attestedmigration.attestation.AttestationKey;
import org.attestedmigration.attestation.DirectAttestation;
import org.attestedmigration.attestation.EndorsementKey;
import org.attestedmigration.attestation.EndorsementKeyType;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.KeyAlgorithm;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.PcrValues;
import org.attestedmigration.attestation.Quote;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.attestation.VerifiedEvidence;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.attestedmigration.attestation.txt.SampleLaunch;
import org.attestedmigration.policy.Freshness;
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
import org.attestedmigration.securechannel.handshake.ChannelBinding;
import org.attestedmigration.securechannel.handshake.HandshakeException;
import org.attestedmigration.securechannel.handshake.HandshakeFraming;
import org.attestedmigration.securechannel.handshake.HandshakeMessage;
import org.attestedmigration.securechannel.handshake.HandshakeStep;
import org.attestedmigration.securechannel.handshake.MigrationRole;
import org.attestedmigration.securechannel.tls.ConnectionTls;
import org.attestedmigration.securechannel.tls.EphemeralIdentity;
import org.attestedmigration.securechannel.tls.TlsContexts;
import org.attestedmigration.securechannel.tls.TlsEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attested handshake end to end: four emulated hosts, each with its own swtpm and TXT
 * launch, real TLS 1.3 on loopback. The policy enrolls the source as reference host and two
 * destinations by identity (one of them booted an unapproved Xen) and allows sources to send to
 * destinations; a fourth host is not in the policy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AttestedHandshakeTest {
    private static final Duration STEP_TIMEOUT = Duration.ofMillis(1500);
    private static final Duration WAIT = Duration.ofSeconds(15);
    @TempDir
    static Path dir;

    private final List<EmulatedHost> hosts = new ArrayList<>();
    private final List<Tpm> tpms = new ArrayList<>();
    private final List<AttestedEndpoint> endpoints = new ArrayList<>();
    private EventLoopGroup rawGroup;
    private Policy policy;
    private Tpm sourceTpm;
    private AttestedEndpoint source;
    private AttestedEndpoint destination;
    private AttestedEndpoint rogue;
    private AttestedEndpoint stranger;
    /** What the destination's listener handed out, and its failures. */
    private final BlockingQueue<AttestedConnection> destinationAttested = new LinkedBlockingQueue<>();
    private final BlockingQueue<HandshakeException> destinationFailed = new LinkedBlockingQueue<>();
    private final BlockingQueue<AttestedConnection> sourceAttested = new LinkedBlockingQueue<>();
    private final BlockingQueue<HandshakeException> sourceFailed = new LinkedBlockingQueue<>();
    private final BlockingQueue<AttestedConnection> rogueAttested = new LinkedBlockingQueue<>();
    private final BlockingQueue<HandshakeException> rogueFailed = new LinkedBlockingQueue<>();
    private AttestedListener destinationListener;
    private AttestedListener sourceListener;
    private AttestedListener rogueListener;

    @BeforeAll
    void bootAndEnroll() throws Exception {
        EmulatedHost src = boot("src-1", SampleLaunch.trusted());
        EmulatedHost dst = boot("dst-1", SampleLaunch.trusted());
        EmulatedHost bad = boot("dst-9", SampleLaunch.trusted().withHypervisor("xen-4.18.0-rc1"));
        EmulatedHost unknown = boot("stranger", SampleLaunch.trusted());
        policy = enroll(src, dst, bad, unknown);
        source = endpoint(src);
        sourceTpm = tpms.get(0);
        destination = endpoint(dst);
        rogue = endpoint(bad);
        stranger = endpoint(unknown);
        InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 0);
        destinationListener = destination.listen(loopback, destinationAttested::add, destinationFailed::add);
        sourceListener = source.listen(loopback, sourceAttested::add, sourceFailed::add);
        rogueListener = rogue.listen(loopback, rogueAttested::add, rogueFailed::add);
        rawGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    private EmulatedHost boot(String name, SampleLaunch launch) throws AttestationException {
        EmulatedHost host = EmulatedHost.boot(name, dir.resolve(name), launch.components());
        hosts.add(host);
        return host;
    }

    /** As the administrator would: all four EK CAs trusted, three hosts enrolled, sources may send to destinations. */
    private static Policy enroll(EmulatedHost src, EmulatedHost dst, EmulatedHost bad, EmulatedHost unknown) throws Exception {
        List<NamedCertificate> cas = new ArrayList<>();
        for (EmulatedHost h : List.of(src, dst, bad, unknown)) {
            for (X509Certificate ca : h.manufacturerCertificates()) {
                cas.add(new NamedCertificate("ca-" + cas.size(), ca));
            }
        }
        Policy p = new Policy(1, "handshake-test", cas, List.of(), List.of(), List.of(),
                new MeasurementRules(HashAlgorithm.SHA256, new TreeMap<>(), LaunchRules.NONE), Freshness.DEFAULT, TlsRequirements.DEFAULT,
                Revocations.NONE);
        p = PolicyEnrollment.enroll(p, src.name(), "sources", verified(src, p), List.of(), PolicyEnrollment.Scope.IDENTITY_AND_REFERENCE_VALUES);
        p = PolicyEnrollment.enroll(p, dst.name(), "destinations", verified(dst, p), List.of(), PolicyEnrollment.Scope.IDENTITY_ONLY);
        p = PolicyEnrollment.enroll(p, bad.name(), "destinations", verified(bad, p), List.of(), PolicyEnrollment.Scope.IDENTITY_ONLY);
        return new Policy(p.serial() + 1, p.name(), p.ekManufacturers(), p.hosts(), p.groups(), List.of(new MigrationRule("sources", "destinations")),
                p.measurements(), p.freshness(), p.tls(), p.revoked());
    }

    private static VerifiedEvidence verified(EmulatedHost host, Policy p) throws AttestationException {
        try (Tpm tpm = host.openTpm()) {
            return DirectAttestation.attest(tpm, p.ekManufacturerValidator(), PcrSelection.of(HashAlgorithm.SHA256, 0, 17, 18, 19),
                    host.eventLog().encode());
        }
    }

    private AttestedEndpoint endpoint(EmulatedHost host) throws AttestationException {
        Tpm tpm = host.openTpm();
        tpms.add(tpm);
        RawPeer.EVENT_LOGS.put(tpm, host.eventLog().encode());
        AttestedEndpoint e = AttestedEndpoint.builder(host.name(), tpm, host.eventLog().encode(), policy).stepTimeout(STEP_TIMEOUT).build();
        endpoints.add(e);
        return e;
    }

    @AfterAll
    void stop() throws Exception {
        for (AttestedListener l : new AttestedListener[] {destinationListener, sourceListener, rogueListener}) {
            if (l != null) {
                l.close();
            }
        }
        endpoints.forEach(AttestedEndpoint::close);
        if (rawGroup != null) {
            rawGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        for (Tpm t : tpms) {
            t.close();
        }
        hosts.forEach(EmulatedHost::close);
    }

    @BeforeEach
    void forgetEarlierOutcomes() {
        for (BlockingQueue<?> q : List.of(destinationAttested, destinationFailed, sourceAttested, sourceFailed, rogueAttested, rogueFailed)) {
            q.clear();
        }
    }

    private static int port(AttestedListener l) {
        return l.address().getPort();
    }

    @Test
    void enrolledHostsAcceptEachOtherAndBytesFlowBothWays() throws Exception {
        AttestedConnection onSource = source.connect("127.0.0.1", port(destinationListener), MigrationRole.SOURCE)
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
        AttestedConnection onDestination = destinationAttested.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(onDestination, "the destination handed out the connection: " + destinationFailed);
        assertEquals("dst-1", onSource.peerHost());
        assertEquals("src-1", onDestination.peerHost());
        assertEquals(MigrationRole.SOURCE, onDestination.peerRole());
        assertTrue(onSource.localVerdict().accepted() && onSource.peerVerdict().accepted());
        assertTrue(onDestination.localVerdict().accepted() && onDestination.peerVerdict().accepted());
        assertEquals("TLSv1.3", onSource.tls().protocol());
        assertEquals(onSource.tls(), onDestination.tls());

        CompletableFuture<String> atDestination = collect(onDestination, 9);
        CompletableFuture<String> atSource = collect(onSource, 11);
        onSource.channel().writeAndFlush(Unpooled.copiedBuffer("from-src-1", StandardCharsets.UTF_8));
        onSource.channel().writeAndFlush(Unpooled.copiedBuffer("!", StandardCharsets.UTF_8));
        onDestination.channel().writeAndFlush(Unpooled.copiedBuffer("from-dst-1!", StandardCharsets.UTF_8));
        assertEquals("from-src-1!".substring(0, 9), atDestination.get(5, TimeUnit.SECONDS));
        assertEquals("from-dst-1!", atSource.get(5, TimeUnit.SECONDS));
        onSource.close();
    }

    /** Opens the connection with a reader that completes after {@code bytes} bytes. */
    private static CompletableFuture<String> collect(AttestedConnection c, int bytes) {
        CompletableFuture<String> done = new CompletableFuture<>();
        StringBuilder sb = new StringBuilder();
        c.open(p -> p.addLast(new SimpleChannelInboundHandler<ByteBuf>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                sb.append(msg.toString(StandardCharsets.UTF_8));
                if (sb.length() >= bytes) {
                    done.complete(sb.substring(0, bytes));
                }
            }
        }));
        return done;
    }

    private static AttestationRejectedException rejection(CompletableFuture<AttestedConnection> f) throws InterruptedException {
        try {
            AttestedConnection c = f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            throw new AssertionError("the handshake must fail, but connected to " + c);
        } catch (ExecutionException e) {
            return assertInstanceOf(AttestationRejectedException.class, e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the handshake neither finished nor failed", e);
        }
    }

    private static boolean failedRule(Verdict v, String rule) {
        return v.failures().stream().anyMatch(r -> r.rule().equals(rule));
    }

    @Test
    void destinationWithUnapprovedXenIsRejectedNamingTheHypervisor() throws Exception {
        AttestationRejectedException e = rejection(source.connect("127.0.0.1", port(rogueListener), MigrationRole.SOURCE));
        assertEquals(AttestationRejectedException.RejectedBy.LOCAL, e.rejectedBy());
        assertTrue(failedRule(e.verdict(), "launch.hypervisor"), e.verdict().reasons().toString());
        assertFalse(failedRule(e.verdict(), "host.identity"), e.verdict().reasons().toString());
        HandshakeException onRogue = rogueFailed.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        AttestationRejectedException told = assertInstanceOf(AttestationRejectedException.class, onRogue);
        assertEquals(AttestationRejectedException.RejectedBy.PEER, told.rejectedBy());
        assertTrue(failedRule(told.verdict(), "launch.hypervisor"), "the rejected host is told why");
        assertNull(rogueAttested.poll(200, TimeUnit.MILLISECONDS), "no connection, so no application data, on the rejected side");
    }

    @Test
    void hostNotInThePolicyIsRejected() throws Exception {
        // The stranger's own policy does not know it either, so either verdict may arrive first there.
        rejection(stranger.connect("127.0.0.1", port(destinationListener), MigrationRole.SOURCE));
        AttestationRejectedException e = assertInstanceOf(AttestationRejectedException.class,
                destinationFailed.poll(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertEquals(AttestationRejectedException.RejectedBy.LOCAL, e.rejectedBy());
        assertTrue(failedRule(e.verdict(), "host.identity"), e.verdict().reasons().toString());
        assertNull(destinationAttested.poll(200, TimeUnit.MILLISECONDS));
    }

    @Test
    void destinationMayNotSendToTheSource() throws Exception {
        AttestationRejectedException e = rejection(destination.connect("127.0.0.1", port(sourceListener), MigrationRole.SOURCE));
        assertTrue(failedRule(e.verdict(), "migration.direction"), e.verdict().reasons().toString());
        HandshakeException onSource = sourceFailed.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertTrue(failedRule(assertInstanceOf(AttestationRejectedException.class, onSource).verdict(), "migration.direction"));
        assertNull(sourceAttested.poll(200, TimeUnit.MILLISECONDS));
    }

    @Test
    void replayedEvidenceFailsTheNonceCheck() throws Exception {
        HandshakeMessage.EvidenceMessage captured;
        try (RawPeer first = RawPeer.connect(rawGroup, port(destinationListener))) {
            captured = first.attestUpToEvidence("src-1", sourceTpm, policy, RawPeer.EvidenceMode.HONEST, null);
            first.acceptVerdicts();
            assertNotNull(destinationAttested.poll(WAIT.toSeconds(), TimeUnit.SECONDS), "the honest raw peer is accepted: " + destinationFailed);
        }
        try (RawPeer replaying = RawPeer.connect(rawGroup, port(destinationListener))) {
            replaying.attestUpToEvidence("src-1", sourceTpm, policy, RawPeer.EvidenceMode.REPLAY, captured);
            assertNonceRejected(replaying);
        }
    }

    @Test
    void evidenceBoundToAnotherTlsKeyFailsTheNonceCheck() throws Exception {
        try (RawPeer relaying = RawPeer.connect(rawGroup, port(destinationListener))) {
            relaying.attestUpToEvidence("src-1", sourceTpm, policy, RawPeer.EvidenceMode.RELAY, null);
            assertNonceRejected(relaying);
        }
    }

    private void assertNonceRejected(RawPeer peer) throws InterruptedException {
        HandshakeMessage.VerdictMessage verdict = peer.receive(HandshakeMessage.VerdictMessage.class);
        assertTrue(failedRule(verdict.toVerdict(), "evidence.NONCE"), verdict.toVerdict().reasons().toString());
        assertTrue(peer.closedWithOnlyHandshakeMessages(WAIT), "closed after the verdict");
        AttestationRejectedException e = assertInstanceOf(AttestationRejectedException.class,
                destinationFailed.poll(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertEquals(HandshakeStep.VERDICT, e.step());
        assertNull(destinationAttested.poll(200, TimeUnit.MILLISECONDS));
    }

    @Test
    void tls12OnlyClientFailsTheHandshake() throws Exception {
        SslContext old = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).protocols("TLSv1.2")
                .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        Channel ch = new Bootstrap().group(rawGroup).channel(NioSocketChannel.class).handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel c) {
                c.pipeline().addLast(old.newHandler(c.alloc()));
            }
        }).connect("127.0.0.1", port(destinationListener)).sync().channel();
        HandshakeException e = destinationFailed.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(e);
        assertEquals(HandshakeException.Failure.TLS, e.failure());
        assertTrue(ch.closeFuture().await(5, TimeUnit.SECONDS));
        assertNull(destinationAttested.poll(200, TimeUnit.MILLISECONDS));
    }

    @Test
    void garbageFrameBeforeTheVerdictsClosesTheConnection() throws Exception {
        try (RawPeer peer = RawPeer.connect(rawGroup, port(destinationListener))) {
            peer.send(RawPeer.hello("src-1", sourceTpm, new byte[32]));
            peer.receive(HandshakeMessage.Hello.class);
            peer.sendGarbageFrame();
            HandshakeException e = destinationFailed.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertNotNull(e);
            assertEquals(HandshakeException.Failure.PROTOCOL_VIOLATION, e.failure());
            assertTrue(peer.closedWithOnlyHandshakeMessages(WAIT), "closed, and nothing but handshake messages were sent");
        }
        assertNull(destinationAttested.poll(200, TimeUnit.MILLISECONDS));
    }

    @Test
    void silentPeerTimesOut() throws Exception {
        long start = System.nanoTime();
        try (RawPeer peer = RawPeer.connect(rawGroup, port(destinationListener))) {
            HandshakeException e = destinationFailed.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertNotNull(e);
            assertEquals(HandshakeException.Failure.TIMEOUT, e.failure());
            assertEquals(HandshakeStep.HELLO, e.step());
            assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(STEP_TIMEOUT) >= 0);
            assertTrue(peer.closedWithOnlyHandshakeMessages(WAIT));
            assertTrue(peer.received.isEmpty());
        }
    }

    /**
     * Not an assertion: the mutual handshake (both quotes, swtpm, warm JVM) against the two TPM
     * quotes it contains. Run with {@code -Dhandshake.benchmark=true}.
     */
    @Test
    @EnabledIfSystemProperty(named = "handshake.benchmark", matches = "true")
    void benchmarkHandshakeAgainstItsQuotes() throws Exception {
        int warmup = 5;
        int runs = 20;
        long total = 0;
        java.util.EnumMap<HandshakeStep, Long> steps = new java.util.EnumMap<>(HandshakeStep.class);
        for (int i = 0; i < warmup + runs; i++) {
            long t = System.nanoTime();
            AttestedConnection c = source.connect("127.0.0.1", port(destinationListener), MigrationRole.SOURCE).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            long took = System.nanoTime() - t;
            AttestedConnection other = destinationAttested.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            c.close();
            if (other != null) {
                other.close();
            }
            if (i >= warmup) {
                total += took;
                c.stepTimes().forEach((k, v) -> steps.merge(k, v.toNanos(), Long::sum));
                if (i == warmup + runs - 1) {
                    System.out.println("last handshake, source side (peer AK " + c.peerAkTrust() + "): " + c.timings());
                    if (other != null) {
                        System.out.println("last handshake, destination side (peer AK " + other.peerAkTrust() + "): " + other.timings());
                    }
                }
            }
        }
        StringBuilder perStep = new StringBuilder();
        steps.forEach((k, v) -> perStep.append(String.format(" %s %.1f", k, v / 1e6 / runs)));
        double handshakeMs = total / 1e6 / runs;
        double[] quoteMs = new double[2];
        double[] activateMs = new double[2];
        for (int h = 0; h < 2; h++) {
            Tpm tpm = tpms.get(h);
            synchronized (tpm) {
                AttestationKey ak = tpm.createAttestationKey(KeyAlgorithm.ECC_P256);
                PcrSelection sel = PcrSelection.of(HashAlgorithm.SHA256, 17, 18, 19);
                long sum = 0;
                for (int i = 0; i < warmup + runs; i++) {
                    long t = System.nanoTime();
                    tpm.quote(ak, new byte[32], List.of(sel));
                    if (i >= warmup) {
                        sum += System.nanoTime() - t;
                    }
                }
                quoteMs[h] = sum / 1e6 / runs;
                long act = 0;
                for (int i = 0; i < runs; i++) {
                    org.attestedmigration.attestation.EndorsementKey ek = tpm.endorsementKey(org.attestedmigration.attestation.EndorsementKeyType.RSA_2048);
                    var activation = org.attestedmigration.attestation.AttestationKeyActivation.challenge(policy.ekManufacturerValidator(),
                            ek.certificate().orElseThrow(), ek.publicArea(), ak.publicArea(), java.time.Instant.now());
                    long t = System.nanoTime();
                    tpm.activateCredential(ak, org.attestedmigration.attestation.EndorsementKeyType.RSA_2048,
                            activation.credential().credentialBlob(), activation.credential().encryptedSecret());
                    act += System.nanoTime() - t;
                }
                activateMs[h] = act / 1e6 / runs;
                tpm.release(ak);
            }
        }
        double twoQuotes = quoteMs[0] + quoteMs[1];
        System.out.printf("attested handshake (mutual, %s, swtpm): %.1f ms mean of %d; TPM2_Quote src %.1f ms + dst %.1f ms = %.1f ms;"
                + " ratio %.2f; TPM2_ActivateCredential src %.1f ms, dst %.1f ms; client-side steps (ms):%s%n", source.tlsEngine(), handshakeMs,
                runs, quoteMs[0], quoteMs[1], twoQuotes, handshakeMs / twoQuotes, activateMs[0], activateMs[1], perStep);
    }

    /**
     * A test-only peer that speaks the handshake by hand over real TLS, so that it can misbehave:
     * go silent, send garbage, or present evidence that was captured earlier or bound to another
     * TLS key. It uses a host's real TPM (sharing, and synchronizing on, the Tpm instance).
     */
    static final class RawPeer implements AutoCloseable {
        private static final Object CLOSED = new Object();
        private static final SecureRandom RANDOM = new SecureRandom();

        private final Channel channel;
        private final ConnectionTls tls;
        /** Everything received: handshake messages, decode failures, CLOSED. */
        final BlockingQueue<Object> received;

        private RawPeer(Channel channel, ConnectionTls tls, BlockingQueue<Object> received) {
            this.channel = channel;
            this.tls = tls;
            this.received = received;
        }

        static RawPeer connect(EventLoopGroup group, int port) throws Exception {
            ConnectionTls tls = TlsContexts.using(TlsEngine.JDK, new SecureRandom(), Duration.ofSeconds(5)).client();
            BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel c) {
                    c.pipeline().addLast(tls.newHandler(c.alloc()));
                    HandshakeFraming.install(c.pipeline());
                    c.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            queue.add(msg);
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            queue.add(cause);
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext ctx) {
                            queue.add(CLOSED);
                        }
                    });
                }
            }).connect("127.0.0.1", port).sync().channel();
            ch.pipeline().get(SslHandler.class).handshakeFuture().sync();
            RawPeer peer = new RawPeer(ch, tls, queue);
            return peer;
        }

        void send(HandshakeMessage m) throws InterruptedException {
            channel.writeAndFlush(m).sync();
        }

        /** A length-prefixed frame that is not a handshake message. */
        void sendGarbageFrame() throws InterruptedException {
            channel.writeAndFlush(Unpooled.wrappedBuffer("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII))).sync();
        }

        <T> T receive(Class<T> type) throws InterruptedException {
            Object o = received.poll(10, TimeUnit.SECONDS);
            if (!type.isInstance(o)) {
                throw new AssertionError("expected " + type.getSimpleName() + ", got " + o);
            }
            return type.cast(o);
        }

        /** True when the connection closed within the wait, with nothing but handshake messages before. */
        boolean closedWithOnlyHandshakeMessages(Duration wait) throws InterruptedException {
            long deadline = System.nanoTime() + wait.toNanos();
            while (System.nanoTime() < deadline) {
                Object o = received.poll(50, TimeUnit.MILLISECONDS);
                if (o == CLOSED) {
                    return true;
                }
                if (o != null && !(o instanceof HandshakeMessage)) {
                    throw new AssertionError("non-handshake data arrived: " + o);
                }
            }
            return false;
        }

        byte[] tlsKeyHash() {
            return tls.identity().publicKeySha256();
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
        }

        /** How the raw peer binds the evidence it sends. */
        enum EvidenceMode { HONEST, REPLAY, RELAY }

        /** A version 2 HELLO with the real keys of {@code tpm}'s host, as that host's endpoint sends it. */
        static HandshakeMessage.Hello hello(String hostName, Tpm tpm, byte[] nonce) throws Exception {
            synchronized (tpm) {
                AttestationKey ak = tpm.createAttestationKey(KeyAlgorithm.ECC_P256);
                try {
                    EndorsementKey ek = tpm.endorsementKey(EndorsementKeyType.RSA_2048);
                    return new HandshakeMessage.Hello(HandshakeMessage.PROTOCOL_VERSION, hostName, MigrationRole.SOURCE, nonce, false,
                            ak.publicArea(), List.of(new HandshakeMessage.Endorsement(ek.publicArea(), ek.certificate().orElseThrow().getEncoded())));
                } finally {
                    tpm.release(ak);
                }
            }
        }

        /**
         * Runs the handshake as initiator up to and including both EVIDENCE messages (and our
         * credential answer when the endpoint challenged), with real TPM answers. The raw peer
         * verifies nothing and challenges nothing.
         *
         * @param replayed the evidence to re-send in {@link EvidenceMode#REPLAY}
         * @return the evidence sent
         */
        HandshakeMessage.EvidenceMessage attestUpToEvidence(String hostName, Tpm tpm, Policy policy, EvidenceMode mode,
                HandshakeMessage.EvidenceMessage replayed) throws Exception {
            byte[] nonce = new byte[ChannelBinding.NONCE_LENGTH];
            RANDOM.nextBytes(nonce);
            send(hello(hostName, tpm, nonce));
            HandshakeMessage.Hello peerHello = receive(HandshakeMessage.Hello.class);
            Object next = received.poll(10, TimeUnit.SECONDS);
            java.util.Optional<HandshakeMessage.CredentialChallenge> challenge = java.util.Optional.empty();
            if (next instanceof HandshakeMessage.CredentialChallenge c) {
                challenge = java.util.Optional.of(c);
                next = received.poll(10, TimeUnit.SECONDS);
            }
            if (!(next instanceof HandshakeMessage.EvidenceMessage)) {
                throw new AssertionError("expected the endpoint's evidence, got " + next);
            }
            synchronized (tpm) {
                AttestationKey ak = tpm.createAttestationKey(KeyAlgorithm.ECC_P256);
                try {
                    HandshakeMessage.EvidenceMessage evidence = switch (mode) {
                        case HONEST -> quote(tpm, ak, policy, ChannelBinding.extraData(peerHello.nonce(), tlsKeyHash(), java.util.Optional.empty()));
                        case RELAY -> quote(tpm, ak, policy, ChannelBinding.extraData(peerHello.nonce(),
                                EphemeralIdentity.generate(RANDOM).publicKeySha256(), java.util.Optional.empty()));
                        case REPLAY -> replayed;
                    };
                    send(evidence);
                    if (challenge.isPresent()) {
                        send(new HandshakeMessage.CredentialAnswer(tpm.activateCredential(ak, EndorsementKeyType.RSA_2048,
                                challenge.get().credentialBlob(), challenge.get().encryptedSecret())));
                    }
                    return evidence;
                } finally {
                    tpm.release(ak);
                }
            }
        }

        /** Completes an honest handshake: the peer's verdict must accept, ours accepts too. */
        void acceptVerdicts() throws InterruptedException {
            HandshakeMessage.VerdictMessage theirs = receive(HandshakeMessage.VerdictMessage.class);
            if (theirs.decision() != Verdict.Decision.ACCEPT) {
                throw new AssertionError("the endpoint rejected the raw peer: " + theirs.toVerdict().reasons());
            }
            send(HandshakeMessage.VerdictMessage.of(Verdict.of(List.of(RuleResult.pass("raw-peer", "accepts")))));
        }

        private static HandshakeMessage.EvidenceMessage quote(Tpm tpm, AttestationKey ak, Policy policy, byte[] extraData) throws Exception {
            PcrSelection sel = PcrSelection.of(policy.measurements().bank(), 17, 18, 19);
            Quote q = tpm.quote(ak, extraData, List.of(sel));
            PcrValues values = tpm.readPcrs(sel);
            List<HandshakeMessage.Pcr> pcrs = new ArrayList<>();
            for (int pcr : sel.pcrs()) {
                pcrs.add(new HandshakeMessage.Pcr(sel.bank().bankName(), pcr, values.get(sel.bank(), pcr).orElseThrow()));
            }
            return new HandshakeMessage.EvidenceMessage(q.message(), q.signature(), pcrs, eventLogOf(tpm));
        }

        /** The event log of the host owning {@code tpm}, registered by the test. */
        static final java.util.Map<Tpm, byte[]> EVENT_LOGS = new java.util.concurrent.ConcurrentHashMap<>();

        private static byte[] eventLogOf(Tpm tpm) {
            return EVENT_LOGS.get(tpm);
        }
    }
}
