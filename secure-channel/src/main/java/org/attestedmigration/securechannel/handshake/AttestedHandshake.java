package org.attestedmigration.securechannel.handshake;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.attestedmigration.attestation.TpmAccessException;
import org.attestedmigration.attestation.VerificationException;
import org.attestedmigration.attestation.VerifiedEvidence;
import org.attestedmigration.policy.EvaluationContext;
import org.attestedmigration.policy.Verdict;
import org.attestedmigration.securechannel.handshake.HandshakeException.Failure;
import org.attestedmigration.securechannel.handshake.HandshakeMessage.CredentialAnswer;
import org.attestedmigration.securechannel.handshake.HandshakeMessage.CredentialChallenge;
import org.attestedmigration.securechannel.handshake.HandshakeMessage.EvidenceMessage;
import org.attestedmigration.securechannel.handshake.HandshakeMessage.Hello;
import org.attestedmigration.securechannel.handshake.HandshakeMessage.VerdictMessage;
import org.attestedmigration.securechannel.tls.ConnectionTls;
import org.attestedmigration.securechannel.tls.EstablishedTls;

/**
 * One run of the attested handshake on one connection, on a worker thread. Each side sends its
 * messages as soon as what they depend on is known, in flights that need no reply in between:
 *
 * <pre>
 * initiator                                   responder
 *   HELLO (nonce, role, keys)          -->      screen the HELLO against the policy
 *                                      <--      HELLO, [CREDENTIAL_CHALLENGE], EVIDENCE
 *   screen; [CHALLENGE], EVIDENCE      -->
 *   [CREDENTIAL_ANSWER]                -->  <-- [CREDENTIAL_ANSWER]
 *   verify, policy: VERDICT            -->  <-- VERDICT
 * </pre>
 *
 * Without activation (peer AK pinned by the policy, or activated within the cache lifetime) that
 * is three messages a side. Each receive waits at most the step timeout, and any failure closes
 * the connection. This side's TPM work (quote, activation) runs on another worker thread while
 * the handshake thread does the Java work (screening, MakeCredential, verification, policy).
 *
 * <p><b>Disclosure order.</b> A side sends its evidence (quoted PCR values and the event log, i.e.
 * what software it booted) after screening the peer's HELLO, but before the peer has proven that
 * it holds the keys it presented: the proof (the credential answer, or a quote by the pinned AK)
 * arrives with or after the peer's own evidence. The screening admits only a peer that claims a
 * host of the policy, is not revoked, and presents exactly the EK and/or pinned AK the policy
 * lists for that host; the responder answers nothing but a REJECT to a HELLO that fails it, so a
 * stranger learns neither its keys nor its evidence. The remaining exposure is to someone who has
 * an enrolled host's public keys without being that host: it learns the software this host
 * booted (which the policy's reference values largely publish to every enrolled host anyway) and
 * nothing else: no verdict accepts it, and no stream opens. Protocol version 1 waited for
 * activation before sending evidence, but checked the peer's identity only after it; that order
 * disclosed the evidence to anyone with a genuine TPM of a trusted manufacturer, and cost three
 * round trips more.
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
    private final Executor tpmWork;
    /** Present on the connecting side, which states its role first. */
    private final Optional<MigrationRole> initiatorRole;
    private final long started;
    private HandshakeStep step = HandshakeStep.TLS;
    private final EnumMap<HandshakeStep, Duration> stepTimes = new EnumMap<>(HandshakeStep.class);
    private final Map<HandshakeTimings.Work, Duration> work = Collections.synchronizedMap(new EnumMap<>(HandshakeTimings.Work.class));
    private long stepStarted;
    private String peerHost = "?";
    private volatile Throwable writeFailure;

    /**
     * @param started     System.nanoTime() when the connection was begun (before its TLS material was made)
     * @param tlsMaterial how long making this connection's TLS material took on the critical path
     */
    AttestedHandshake(HandshakeSettings settings, TpmAttester attester, PeerVerifier verifier, Channel channel, SslHandler ssl,
            ConnectionTls tls, MessageInbox inbox, Optional<MigrationRole> initiatorRole, Executor tpmWork, long started, Duration tlsMaterial) {
        this.settings = settings;
        this.attester = attester;
        this.verifier = verifier;
        this.channel = channel;
        this.ssl = ssl;
        this.tls = tls;
        this.inbox = inbox;
        this.initiatorRole = initiatorRole;
        this.tpmWork = tpmWork;
        this.started = started;
        this.stepStarted = started;
        work.put(HandshakeTimings.Work.TLS_MATERIAL, tlsMaterial);
    }

    AttestedConnection run() throws HandshakeException {
        try {
            AttestedConnection connection = steps();
            LOG.info(() -> settings.hostName() + ": attested connection " + connection + " in " + connection.handshakeTime().toMillis()
                    + " ms, peer AK " + connection.peerAkTrust().name().toLowerCase());
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
        TpmAttester.Keys ownKeys = tpm(attester::keys);
        MigrationRole localRole;
        Hello peerHello;
        if (initiatorRole.isPresent()) {
            localRole = initiatorRole.get();
            send(hello(localRole, nonce, canExport, ownKeys));
            peerHello = receive(Hello.class);
        } else {
            peerHello = receive(Hello.class);
            localRole = peerHello.role().opposite();
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

        // Screening first: nothing of ours beyond a HELLO, and no TPM time, for a peer the policy does not name.
        long planStarted = System.nanoTime();
        PeerVerifier.PeerKeys peerKeys;
        try {
            peerKeys = PeerVerifier.PeerKeys.of(peerHello);
        } catch (VerificationException e) {
            throw reject(Verdict.rejectedBy(e));
        }
        Optional<Verdict> refused = verifier.screen(peerHost, peerKeys);
        if (refused.isPresent()) {
            throw reject(refused.get());
        }
        if (initiatorRole.isEmpty()) {
            send(hello(localRole, nonce, canExport, ownKeys));
        }
        byte[] ourBinding = ChannelBinding.extraData(peerHello.nonce(), established.localPublicKeySha256(), exporter);
        CompletableFuture<EvidenceMessage> ourEvidence = onTpm(HandshakeTimings.Work.TPM_QUOTE, () -> attester.attest(ourBinding));
        PeerVerifier.Plan plan;
        try {
            plan = verifier.plan(peerHost, peerKeys, Instant.now());
        } catch (VerificationException e) {
            throw reject(Verdict.rejectedBy(e));
        } finally {
            work.put(HandshakeTimings.Work.PLAN, Duration.ofNanos(System.nanoTime() - planStarted));
        }

        enter(HandshakeStep.EVIDENCE);
        EvidenceMessage evidence = join(ourEvidence);
        if (plan instanceof PeerVerifier.Challenge c) {
            send(new CredentialChallenge(c.activation().credential().credentialBlob(), c.activation().credential().encryptedSecret()), evidence);
        } else {
            send(evidence);
        }
        HandshakeMessage next = receive(CredentialChallenge.class, EvidenceMessage.class);
        Optional<CredentialChallenge> peerChallenge = Optional.empty();
        if (next instanceof CredentialChallenge challenge) {
            peerChallenge = Optional.of(challenge);
            next = receive(EvidenceMessage.class);
        }
        EvidenceMessage peerEvidence = (EvidenceMessage) next;

        CompletableFuture<Void> ourAnswer = CompletableFuture.completedFuture(null);
        if (peerChallenge.isPresent()) {
            if (ownKeys.endorsement().isEmpty()) {
                throw violation("the peer sent a credential challenge, but this host is identified by its pinned AK and sent no EK");
            }
            CredentialChallenge challenge = peerChallenge.get();
            // Sent from the TPM thread the moment it is ready; the peer's verdict waits for it.
            ourAnswer = onTpm(HandshakeTimings.Work.TPM_ACTIVATE, () -> attester.activate(challenge))
                    .thenAccept(secret -> send(new CredentialAnswer(secret)));
        }
        PeerVerifier.Trusted trusted;
        if (plan instanceof PeerVerifier.Challenge c) {
            enter(HandshakeStep.CREDENTIAL_ANSWER);
            CredentialAnswer answer = receive(CredentialAnswer.class);
            long t = System.nanoTime();
            try {
                trusted = verifier.answered(c, peerKeys, answer.secret(), Instant.now());
            } catch (VerificationException e) {
                throw reject(Verdict.rejectedBy(e));
            } finally {
                work.put(HandshakeTimings.Work.ANSWER_CHECK, Duration.ofNanos(System.nanoTime() - t));
            }
        } else {
            trusted = (PeerVerifier.Trusted) plan;
        }

        enter(HandshakeStep.VERDICT);
        // The peer's quote must bind our nonce and the certificate we saw in this session.
        byte[] expected = ChannelBinding.extraData(nonce, established.peerPublicKeySha256(), exporter);
        Verdict verdict;
        long verifyStarted = System.nanoTime();
        try {
            VerifiedEvidence verified = verifier.verify(trusted.key(), peerKeys, peerEvidence, expected);
            long evaluateStarted = System.nanoTime();
            work.put(HandshakeTimings.Work.EVIDENCE_VERIFY, Duration.ofNanos(evaluateStarted - verifyStarted));
            verdict = settings.policy().evaluate(verified, new EvaluationContext(settings.hostName(), peerHost, peerHello.role().asPeerRole(),
                    nonceIssuedAt, Instant.now(), Optional.of(established.facts(exporter.isPresent()))));
            work.put(HandshakeTimings.Work.POLICY, Duration.ofNanos(System.nanoTime() - evaluateStarted));
        } catch (VerificationException e) {
            verdict = Verdict.rejectedBy(e);
        }
        verdict = PeerVerifier.withAkTrust(verdict, trusted);
        if (!verdict.accepted()) {
            verifier.forget(peerKeys);
            throw reject(verdict);
        }
        join(ourAnswer); // our answer goes out before our verdict
        send(VerdictMessage.of(verdict));
        Verdict peerVerdict = receive(VerdictMessage.class).toVerdict();
        if (!peerVerdict.accepted()) {
            throw new AttestationRejectedException(step, AttestationRejectedException.RejectedBy.PEER, peerHost, peerVerdict);
        }
        finishFraming();
        enter(HandshakeStep.VERDICT);
        Duration total = Duration.ofNanos(System.nanoTime() - started);
        Reattestation reattestation = new Reattestation(settings, attester, verifier, trusted.key(), peerKeys, peerHost,
                peerHello.role().asPeerRole(), established.localPublicKeySha256(), established.peerPublicKeySha256(), exporter,
                established.facts(exporter.isPresent()));
        return new AttestedConnection(channel, peerHost, localRole, verdict, peerVerdict, established.facts(exporter.isPresent()),
                established.engine(), new HandshakeTimings(total, stepTimes, work), trusted.how(), reattestation);
    }

    private Hello hello(MigrationRole role, byte[] nonce, boolean canExport, TpmAttester.Keys keys) {
        return new Hello(HandshakeMessage.PROTOCOL_VERSION, settings.hostName(), role, nonce, canExport, keys.akPublic(), keys.endorsement());
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

    /**
     * Writes a flight of messages and flushes once, without waiting: a failed write closes the
     * connection, which the next receive reports.
     */
    private void send(HandshakeMessage... flight) {
        for (int i = 0; i < flight.length; i++) {
            io.netty.channel.ChannelFuture f = i == flight.length - 1 ? channel.writeAndFlush(flight[i]) : channel.write(flight[i]);
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    if (writeFailure == null) {
                        writeFailure = done.cause();
                    }
                    channel.close();
                }
            });
        }
    }

    private <T extends HandshakeMessage> T receive(Class<T> expected) throws HandshakeException, InterruptedException {
        return expected.cast(receive(new Class<?>[] {expected}));
    }

    private HandshakeMessage receive(Class<?>... expected) throws HandshakeException, InterruptedException {
        String names = java.util.Arrays.stream(expected).map(Class::getSimpleName).collect(java.util.stream.Collectors.joining(" or "));
        MessageInbox.Item item = inbox.poll(settings.stepTimeout()).orElseThrow(() -> new HandshakeException(step, Failure.TIMEOUT,
                "no " + names + " from the peer within " + settings.stepTimeout()));
        if (item instanceof MessageInbox.Closed) {
            Throwable w = writeFailure;
            throw new HandshakeException(step, Failure.CONNECTION_CLOSED, w == null ? "the peer closed the connection"
                    : "the connection closed: " + describe(w), w);
        }
        if (item instanceof MessageInbox.Failed failed) {
            throw new HandshakeException(step, Failure.PROTOCOL_VIOLATION, describe(failed.cause()), failed.cause());
        }
        HandshakeMessage message = ((MessageInbox.Message) item).message();
        if (message instanceof VerdictMessage v && v.decision() == Verdict.Decision.REJECT) {
            throw new AttestationRejectedException(step, AttestationRejectedException.RejectedBy.PEER, peerHost, v.toVerdict());
        }
        for (Class<?> c : expected) {
            if (c.isInstance(message)) {
                return message;
            }
        }
        throw violation("expected " + names + ", the peer sent " + message.getClass().getSimpleName());
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

    /** Runs TPM work on another thread, timed, while this one goes on. */
    private <T> CompletableFuture<T> onTpm(HandshakeTimings.Work what, TpmCall<T> call) {
        return CompletableFuture.supplyAsync(() -> {
            long t = System.nanoTime();
            try {
                return call.call();
            } catch (TpmAccessException e) {
                throw new CompletionException(e);
            } finally {
                work.put(what, Duration.ofNanos(System.nanoTime() - t));
            }
        }, tpmWork);
    }

    private <T> T join(CompletableFuture<T> f) throws HandshakeException, InterruptedException {
        try {
            return f.get(settings.stepTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException && e.getCause().getCause() != null ? e.getCause().getCause() : e.getCause();
            if (cause instanceof TpmAccessException t) {
                throw new HandshakeException(step, Failure.TPM, "this host's TPM failed: " + t.getMessage(), t);
            }
            throw new HandshakeException(step, Failure.PROTOCOL_VIOLATION, "unexpected failure: " + cause, cause);
        } catch (TimeoutException e) {
            throw new HandshakeException(step, Failure.TPM, "this host's TPM did not answer within " + settings.stepTimeout(), e);
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
