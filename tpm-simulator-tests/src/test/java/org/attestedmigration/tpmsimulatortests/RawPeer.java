package org.attestedmigration.tpmsimulatortests;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.attestedmigration.attestation.AttestationKey;
import org.attestedmigration.attestation.AttestationKeyActivation;
import org.attestedmigration.attestation.EndorsementKey;
import org.attestedmigration.attestation.EndorsementKeyType;
import org.attestedmigration.attestation.KeyAlgorithm;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.PcrValues;
import org.attestedmigration.attestation.Quote;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.policy.Policy;
import org.attestedmigration.policy.RuleResult;
import org.attestedmigration.policy.Verdict;
import org.attestedmigration.securechannel.handshake.ChannelBinding;
import org.attestedmigration.securechannel.handshake.HandshakeFraming;
import org.attestedmigration.securechannel.handshake.HandshakeMessage;
import org.attestedmigration.securechannel.handshake.MigrationRole;
import org.attestedmigration.securechannel.tls.ConnectionTls;
import org.attestedmigration.securechannel.tls.EphemeralIdentity;
import org.attestedmigration.securechannel.tls.TlsContexts;
import org.attestedmigration.securechannel.tls.TlsEngine;

/**
 * A test-only peer that speaks the handshake by hand over real TLS, so that it can misbehave:
 * go silent, send garbage, or present evidence that was captured earlier or bound to another
 * TLS key. It uses a host's real TPM (sharing, and synchronizing on, the Tpm instance).
 */
final class RawPeer implements AutoCloseable {
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

    /**
     * Runs the handshake as initiator up to and including both EVIDENCE messages, with real TPM answers.
     *
     * @param replayed the evidence to re-send in {@link EvidenceMode#REPLAY}
     * @return the evidence sent
     */
    HandshakeMessage.EvidenceMessage attestUpToEvidence(String hostName, Tpm tpm, Policy policy, EvidenceMode mode,
            HandshakeMessage.EvidenceMessage replayed) throws Exception {
        byte[] nonce = new byte[ChannelBinding.NONCE_LENGTH];
        RANDOM.nextBytes(nonce);
        send(new HandshakeMessage.Hello(HandshakeMessage.PROTOCOL_VERSION, hostName, MigrationRole.SOURCE, nonce, false));
        HandshakeMessage.Hello peerHello = receive(HandshakeMessage.Hello.class);
        synchronized (tpm) {
            AttestationKey ak = tpm.createAttestationKey(KeyAlgorithm.ECC_P256);
            try {
                EndorsementKey ek = tpm.endorsementKey(EndorsementKeyType.RSA_2048);
                send(new HandshakeMessage.AttestationKeys(ak.publicArea(), ek.publicArea(), ek.certificate().orElseThrow().getEncoded()));
                HandshakeMessage.AttestationKeys peerKeys = receive(HandshakeMessage.AttestationKeys.class);
                AttestationKeyActivation activation = AttestationKeyActivation.challenge(policy.ekManufacturerValidator(),
                        (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                                .generateCertificate(new java.io.ByteArrayInputStream(peerKeys.ekCertificate())),
                        peerKeys.ekPublic(), peerKeys.akPublic(), java.time.Instant.now());
                send(new HandshakeMessage.CredentialChallenge(activation.credential().credentialBlob(), activation.credential().encryptedSecret()));
                HandshakeMessage.CredentialChallenge challenge = receive(HandshakeMessage.CredentialChallenge.class);
                send(new HandshakeMessage.CredentialAnswer(tpm.activateCredential(ak, EndorsementKeyType.RSA_2048,
                        challenge.credentialBlob(), challenge.encryptedSecret())));
                receive(HandshakeMessage.CredentialAnswer.class);
                HandshakeMessage.EvidenceMessage evidence = switch (mode) {
                    case HONEST -> quote(tpm, ak, policy, ChannelBinding.extraData(peerHello.nonce(), tlsKeyHash(), java.util.Optional.empty()));
                    case RELAY -> quote(tpm, ak, policy, ChannelBinding.extraData(peerHello.nonce(),
                            EphemeralIdentity.generate(RANDOM).publicKeySha256(), java.util.Optional.empty()));
                    case REPLAY -> replayed;
                };
                send(evidence);
                receive(HandshakeMessage.EvidenceMessage.class);
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
