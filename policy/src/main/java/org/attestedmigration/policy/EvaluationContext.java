package org.attestedmigration.policy;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything besides the evidence that a verdict depends on: who we are, who the peer claims to
 * be and its part in the migration, when we issued the nonce its quote is bound to, the time
 * now, and the TLS session (absent when a verdict is explained offline: TLS rules are then not
 * applicable, and such a verdict is never used to open a channel).
 */
public record EvaluationContext(String localHost, String peerHost, PeerRole peerRole, Instant nonceIssuedAt, Instant now,
        Optional<TlsSessionFacts> tls) {
    public EvaluationContext {
        Objects.requireNonNull(localHost, "localHost");
        Objects.requireNonNull(peerHost, "peerHost");
        Objects.requireNonNull(peerRole, "peerRole");
        Objects.requireNonNull(nonceIssuedAt, "nonceIssuedAt");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(tls, "tls");
    }

    /** The host the VM leaves. */
    public String sourceHost() {
        return peerRole == PeerRole.SOURCE ? peerHost : localHost;
    }

    /** The host the VM arrives at. */
    public String destinationHost() {
        return peerRole == PeerRole.DESTINATION ? peerHost : localHost;
    }
}
