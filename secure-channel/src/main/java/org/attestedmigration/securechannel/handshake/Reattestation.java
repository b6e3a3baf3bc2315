package org.attestedmigration.securechannel.handshake;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Optional;
import org.attestedmigration.attestation.TpmAccessException;
import org.attestedmigration.attestation.TrustedAttestationKey;
import org.attestedmigration.attestation.VerificationException;
import org.attestedmigration.attestation.VerifiedEvidence;
import org.attestedmigration.policy.EvaluationContext;
import org.attestedmigration.policy.PeerRole;
import org.attestedmigration.policy.TlsSessionFacts;
import org.attestedmigration.policy.Verdict;

/**
 * Attesting again on an established connection, as long migrations do: the verifier sends a
 * fresh nonce, the prover's TPM quotes it bound to this connection's TLS key (the AK activated in
 * the handshake signs), and the verifier re-verifies and re-evaluates the policy. Both halves of
 * one connection live here; the transport (a control stream) is the caller's.
 */
public final class Reattestation {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HandshakeSettings settings;
    private final TpmAttester attester;
    private final PeerVerifier verifier;
    private final TrustedAttestationKey peerAk;
    private final PeerVerifier.PeerKeys peerKeys;
    private final String peerHost;
    private final PeerRole peerRole;
    private final byte[] ownPublicKeySha256;
    private final byte[] peerPublicKeySha256;
    private final Optional<byte[]> exporter;
    private final TlsSessionFacts tls;

    Reattestation(HandshakeSettings settings, TpmAttester attester, PeerVerifier verifier, TrustedAttestationKey peerAk,
            PeerVerifier.PeerKeys peerKeys, String peerHost, PeerRole peerRole, byte[] ownPublicKeySha256,
            byte[] peerPublicKeySha256, Optional<byte[]> exporter, TlsSessionFacts tls) {
        this.settings = settings;
        this.attester = attester;
        this.verifier = verifier;
        this.peerAk = peerAk;
        this.peerKeys = peerKeys;
        this.peerHost = peerHost;
        this.peerRole = peerRole;
        this.ownPublicKeySha256 = ownPublicKeySha256.clone();
        this.peerPublicKeySha256 = peerPublicKeySha256.clone();
        this.exporter = exporter.map(byte[]::clone);
        this.tls = tls;
    }

    /** Verifier side, step 1: a nonce to send; remember when it was issued. */
    public Challenge challenge() {
        byte[] nonce = new byte[32];
        RANDOM.nextBytes(nonce);
        return new Challenge(nonce, Instant.now());
    }

    /**
     * Prover side: fresh evidence for the peer's nonce, bound to this connection. Blocks on the
     * TPM; never call it on a Netty event loop.
     */
    public byte[] answer(byte[] peerNonce) throws TpmAccessException {
        if (peerNonce.length != 32) {
            throw new IllegalArgumentException("a re-attestation nonce has 32 bytes, not " + peerNonce.length);
        }
        return MessageCodec.encode(attester.attest(ChannelBinding.extraData(peerNonce, ownPublicKeySha256, exporter)));
    }

    /**
     * Verifier side, step 2: the peer's answer, verified with the AK activated in the handshake
     * and evaluated under the policy. Malformed answers and failed checks are REJECT verdicts.
     */
    public Verdict verify(Challenge challenge, byte[] answer) {
        try {
            HandshakeMessage message = MessageCodec.decode(answer);
            if (!(message instanceof HandshakeMessage.EvidenceMessage evidence)) {
                return Verdict.rejectedBy(new VerificationException(org.attestedmigration.attestation.Check.QUOTE_STRUCTURE,
                        "the re-attestation answer is a " + message.getClass().getSimpleName() + ", not evidence"));
            }
            byte[] expected = ChannelBinding.extraData(challenge.nonce(), peerPublicKeySha256, exporter);
            VerifiedEvidence verified = verifier.verify(peerAk, peerKeys, evidence, expected);
            return settings.policy().evaluate(verified, new EvaluationContext(settings.hostName(), peerHost, peerRole,
                    challenge.issuedAt(), Instant.now(), Optional.of(tls)));
        } catch (MalformedMessageException e) {
            return Verdict.rejectedBy(new VerificationException(org.attestedmigration.attestation.Check.QUOTE_STRUCTURE,
                    "the re-attestation answer does not parse: " + e.getMessage()));
        } catch (VerificationException e) {
            return Verdict.rejectedBy(e);
        }
    }

    public String peerHost() {
        return peerHost;
    }

    /** How often the policy wants the peer attested again on a long-lived connection. */
    public Optional<java.time.Duration> interval() {
        return settings.policy().freshness().reattestEvery();
    }

    /** A nonce this side issued, and when. */
    public record Challenge(byte[] nonce, Instant issuedAt) {
        public Challenge {
            nonce = nonce.clone();
        }

        @Override
        public byte[] nonce() {
            return nonce.clone();
        }
    }
}
