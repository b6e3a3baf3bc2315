package org.attestedmigration.securechannel.handshake;

import java.util.Objects;
import org.attestedmigration.policy.Verdict;

/**
 * A verdict refused the connection: ours on the peer's attestation, or the peer's on ours. The
 * verdict carries every rule's result; {@code verdict().reasons()} says why.
 */
public final class AttestationRejectedException extends HandshakeException {
    private static final long serialVersionUID = 1L;

    /** Whose verdict refused. */
    public enum RejectedBy {
        /** This host rejected the peer. */
        LOCAL,
        /** The peer rejected this host. */
        PEER
    }

    private final transient Verdict verdict;
    private final RejectedBy rejectedBy;
    private final String peerHost;

    public AttestationRejectedException(HandshakeStep step, RejectedBy rejectedBy, String peerHost, Verdict verdict) {
        super(step, Failure.REJECTED, (rejectedBy == RejectedBy.LOCAL ? "rejected peer " + peerHost : "peer " + peerHost + " rejected us")
                + ": " + String.join("; ", verdict.reasons()));
        this.verdict = Objects.requireNonNull(verdict, "verdict");
        this.rejectedBy = Objects.requireNonNull(rejectedBy, "rejectedBy");
        this.peerHost = peerHost;
    }

    public Verdict verdict() {
        return verdict;
    }

    public RejectedBy rejectedBy() {
        return rejectedBy;
    }

    /** The name the peer claimed, or "?" if it never said. */
    public String peerHost() {
        return peerHost;
    }
}
