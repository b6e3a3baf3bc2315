package org.attestedmigration.securechannel.handshake;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.attestedmigration.attestation.AttestationKeyActivation;
import org.attestedmigration.attestation.TpmAccessException;
import org.attestedmigration.attestation.TrustedAttestationKey;
import org.attestedmigration.attestation.VerificationException;
import org.attestedmigration.attestation.VerifiedEvidence;
import org.attestedmigration.policy.EvaluationContext;
import org.attestedmigration.policy.Verdict;
import org.attestedmigration.securechannel.handshake.HandshakeException.Failure;
import org.attestedmigration.securechannel.handshake.HandshakeMessage.AttestationKeys;
import org.attestedmigration.securechannel.handshake.HandshakeMessage.CredentialAnswer;
import org.attestedmigration.securechannel.handshake.HandshakeMessage.CredentialChallenge;
import org.attestedmigration.securechannel.handshake.HandshakeMessage.EvidenceMessage;
import org.attestedmigration.securechannel.handshake.HandshakeMessage.Hello;
import org.attestedmigration.securechannel.handshake.HandshakeMessage.VerdictMessage;
import org.attestedmigration.securechannel.tls.ConnectionTls;
import org.attestedmigration.securechannel.tls.EstablishedTls;

/**
 * One run of the attested handshake on one connection, on a worker thread: the steps are
 * sequential (send ours, then receive the peer's), each receive waits at most the step timeout,
 * and any failure closes the connection. Each side proves (keys, activation, quote) and verifies
 * (challenge, evidence, policy) at once, so the two TPMs work in parallel.
 */
final class AttestedHandshake {
    private static final Logger LOG = Logger.getLogger(AttestedHandshake.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HandshakeSettings settings;
    private final TpmAttester attester;
    private final PeerVerifier verifier;
    private final Channel channel;
    private final SslHandler ssl;
    private final ConnectionTls tls;
    private final MessageInbox inbox;
    /** Present on the connecting side, which states its role first. */
    private final Optional<MigrationRole> initiatorRole;
    private final long started = System.nanoTime();
    private HandshakeStep step = HandshakeStep.TLS;
    private final java.util.EnumMap<HandshakeStep, Duration> stepTimes = new java.util.EnumMap<>(HandshakeStep.class);
    private long stepStarted = started;
    private String peerHost = "?";

    AttestedHandshake(HandshakeSettings settings, TpmAttester attester, PeerVerifier verifier, Channel channel, SslHandler ssl,
            ConnectionTls tls, MessageInbox inbox, Optional<MigrationRole> initiatorRole) {
        this.settings = settings;
        this.attester = attester;
        this.verifier = verifier;
        this.channel = channel;
        this.ssl = ssl;
        this.tls = tls;
        this.inbox = inbox;
        this.initiatorRole = initiatorRole;
    }

    AttestedConnection run() throws HandshakeException {
        try {
            AttestedConnection connection = steps();
            LOG.info(() -> settings.hostName() + ": attested connection " + connection + " in " + connection.handshakeTime().toMillis() + " ms");
            return connection;
        } catch (AttestationRejectedException e) {
            channel.close();
            LOG.warning(() -> settings.hostName() + ": " + e.getMessage());
            throw e;
        } catch (HandshakeException e) {
            channel.close();
            LOG.log(Level.WARNING, () -> settings.hostName() + ": handshake with " + peerHost + " failed: " + e.getMessage());
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.close();
            throw new HandshakeException(step, Failure.CONNECTION_CLOSED, "interrupted", e);
        } catch (RuntimeException e) {
            channel.close();
            LOG.log(Level.WARNING, settings.hostName() + ": handshake with " + peerHost + " failed unexpectedly", e);
            throw new HandshakeException(step, Failure.PROTOCOL_VIOLATION, "unexpected failure: " + e, e);
        }
    }

    private AttestedConnection steps() throws HandshakeException, InterruptedException {
        EstablishedTls established = awaitTls();

        enter(HandshakeStep.HELLO);
        byte[] nonce = new byte[ChannelBinding.NONCE_LENGTH];
        RANDOM.nextBytes(nonce);
        Instant nonceIssuedAt = Instant.now();
        boolean canExport = established.exporter().isPresent();
        MigrationRole localRole;
        Hello peerHello;
        if (initiatorRole.isPresent()) {
            localRole = initiatorRole.get();
            send(new Hello(HandshakeMessage.PROTOCOL_VERSION, settings.hostName(), localRole, nonce, canExport));
            peerHello = receive(Hello.class);
        } else {
            peerHello = receive(Hello.class);
            localRole = peerHello.role().opposite();
            send(new Hello(HandshakeMessage.PROTOCOL_VERSION, settings.hostName(), localRole, nonce, canExport));
        }
        peerHost = peerHello.host();
        if (peerHello.version() != HandshakeMessage.PROTOCOL_VERSION) {
            throw violation("the peer speaks protocol version " + peerHello.version() + ", not " + HandshakeMessage.PROTOCOL_VERSION);
        }
        if (peerHello.role() != localRole.opposite()) {
            throw violation("both sides claim the role " + localRole);
        }
        // The exporter is bound only when both ends have it, else the quotes could not match.
        Optional<byte[]> exporter = canExport && peerHello.exporter() ? established.exporter() : Optional.empty();

        enter(HandshakeStep.ATTESTATION_KEYS);
        send(tpm(attester::keys));
        AttestationKeys peerKeys = receive(AttestationKeys.class);

        enter(HandshakeStep.CREDENTIAL_CHALLENGE);
        AttestationKeyActivation activation;
        try {
            activation = verifier.challenge(peerKeys, Instant.now());
        } catch (VerificationException e) {
            throw reject(Verdict.rejectedBy(e));
        }
        send(new CredentialChallenge(activation.credential().credentialBlob(), activation.credential().encryptedSecret()));
        CredentialChallenge peerChallenge = receive(CredentialChallenge.class);

        enter(HandshakeStep.CREDENTIAL_ANSWER);
        send(new CredentialAnswer(tpm(() -> attester.activate(peerChallenge))));
        CredentialAnswer peerAnswer = receive(CredentialAnswer.class);
        TrustedAttestationKey peerAk;
        try {
            peerAk = activation.verifyAnswer(peerAnswer.secret());
        } catch (VerificationException e) {
            throw reject(Verdict.rejectedBy(e));
        }

        enter(HandshakeStep.EVIDENCE);
        byte[] ourBinding = ChannelBinding.extraData(peerHello.nonce(), established.localPublicKeySha256(), exporter);
        send(tpm(() -> attester.attest(ourBinding)));
        EvidenceMessage peerEvidence = receive(EvidenceMessage.class);
        // The peer's quote must bind our nonce and the certificate we saw in this session.
        byte[] expected = ChannelBinding.extraData(nonce, established.peerPublicKeySha256(), exporter);
        Verdict verdict;
        try {
            VerifiedEvidence verified = verifier.verify(peerAk, peerKeys, peerEvidence, expected);
            verdict = settings.policy().evaluate(verified, new EvaluationContext(settings.hostName(), peerHost, peerHello.role().asPeerRole(),
                    nonceIssuedAt, Instant.now(), Optional.of(established.facts(exporter.isPresent()))));
        } catch (VerificationException e) {
            verdict = Verdict.rejectedBy(e);
        }

        enter(HandshakeStep.VERDICT);
        if (!verdict.accepted()) {
            throw reject(verdict);
        }
        send(VerdictMessage.of(verdict));
        Verdict peerVerdict = receive(VerdictMessage.class).toVerdict();
        if (!peerVerdict.accepted()) {
            throw new AttestationRejectedException(step, AttestationRejectedException.RejectedBy.PEER, peerHost, peerVerdict);
        }
        finishFraming();
        enter(HandshakeStep.VERDICT);
        Reattestation reattestation = new Reattestation(settings, attester, verifier, peerAk, peerKeys, peerHost,
                peerHello.role().asPeerRole(), established.localPublicKeySha256(), established.peerPublicKeySha256(), exporter,
                established.facts(exporter.isPresent()));
        return new AttestedConnection(channel, peerHost, localRole, verdict, peerVerdict, established.facts(exporter.isPresent()),
                established.engine(), Duration.ofNanos(System.nanoTime() - started), stepTimes, reattestation);
    }

    /** Ends the current step's timing (for the benchmark figures) and starts {@code next}. */
    private void enter(HandshakeStep next) {
        long now = System.nanoTime();
        stepTimes.put(step, Duration.ofNanos(now - stepStarted));
        stepStarted = now;
        step = next;
    }

    private EstablishedTls awaitTls() throws HandshakeException, InterruptedException {
        Future<Channel> done = ssl.handshakeFuture();
        if (!done.await(settings.stepTimeout().toMillis() + 1000)) {
            throw new HandshakeException(step, Failure.TIMEOUT, "the TLS handshake did not finish within " + settings.stepTimeout());
        }
        if (!done.isSuccess()) {
            throw new HandshakeException(step, Failure.TLS, "the TLS 1.3 handshake failed: " + done.cause().getMessage(), done.cause());
        }
        try {
            return tls.established(ssl);
        } catch (SSLPeerUnverifiedException e) {
            throw new HandshakeException(step, Failure.TLS, e.getMessage(), e);
        }
    }

    private void send(HandshakeMessage message) throws HandshakeException, InterruptedException {
        io.netty.channel.ChannelFuture written = channel.writeAndFlush(message);
        if (!written.await(settings.stepTimeout().toMillis())) {
            throw new HandshakeException(step, Failure.TIMEOUT, "could not send " + message.getClass().getSimpleName() + " within "
                    + settings.stepTimeout());
        }
        if (!written.isSuccess()) {
            // A bad frame from the peer may be why the channel closed under this write: report that.
            Optional<Throwable> bad = inbox.failure();
            if (bad.isPresent()) {
                throw new HandshakeException(step, Failure.PROTOCOL_VIOLATION, describe(bad.get()), bad.get());
            }
            throw new HandshakeException(step, Failure.CONNECTION_CLOSED, "sending failed: " + written.cause().getMessage(), written.cause());
        }
    }

    private <T extends HandshakeMessage> T receive(Class<T> expected) throws HandshakeException, InterruptedException {
        MessageInbox.Item item = inbox.poll(settings.stepTimeout()).orElseThrow(() -> new HandshakeException(step, Failure.TIMEOUT,
                "no " + expected.getSimpleName() + " from the peer within " + settings.stepTimeout()));
        if (item instanceof MessageInbox.Closed) {
            throw new HandshakeException(step, Failure.CONNECTION_CLOSED, "the peer closed the connection");
        }
        if (item instanceof MessageInbox.Failed failed) {
            throw new HandshakeException(step, Failure.PROTOCOL_VIOLATION, describe(failed.cause()), failed.cause());
        }
        HandshakeMessage message = ((MessageInbox.Message) item).message();
        if (message instanceof VerdictMessage v && v.decision() == Verdict.Decision.REJECT) {
            throw new AttestationRejectedException(step, AttestationRejectedException.RejectedBy.PEER, peerHost, v.toVerdict());
        }
        if (!expected.isInstance(message)) {
            throw violation("expected " + expected.getSimpleName() + ", the peer sent " + message.getClass().getSimpleName());
        }
        return expected.cast(message);
    }

    /** Tells the peer why (the reasons name rules and checks, never secrets), then closes. */
    private AttestationRejectedException reject(Verdict verdict) throws InterruptedException {
        channel.writeAndFlush(VerdictMessage.of(verdict)).await(settings.stepTimeout().toMillis());
        return new AttestationRejectedException(step, AttestationRejectedException.RejectedBy.LOCAL, peerHost, verdict);
    }

    private HandshakeException violation(String what) {
        return new HandshakeException(step, Failure.PROTOCOL_VIOLATION, what);
    }

    /** Removes the write-side framing; the read side went when the peer's verdict arrived. */
    private void finishFraming() throws HandshakeException, InterruptedException {
        try {
            channel.eventLoop().submit(() -> HandshakeFraming.removeEncoders(channel.pipeline()))
                    .get(settings.stepTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new HandshakeException(step, Failure.CONNECTION_CLOSED, "the connection closed as the handshake finished", e);
        }
        if (!channel.isActive()) {
            throw new HandshakeException(step, Failure.CONNECTION_CLOSED, "the peer closed the connection after the verdicts");
        }
    }

    @FunctionalInterface
    private interface TpmCall<T> {
        T call() throws TpmAccessException;
    }

    private <T> T tpm(TpmCall<T> call) throws HandshakeException {
        try {
            return call.call();
        } catch (TpmAccessException e) {
            throw new HandshakeException(step, Failure.TPM, "this host's TPM failed: " + e.getMessage(), e);
        }
    }

    private static String describe(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return "the connection failed: " + root.getMessage();
    }
}
