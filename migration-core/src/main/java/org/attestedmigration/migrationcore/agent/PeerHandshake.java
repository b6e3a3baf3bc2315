package org.attestedmigration.migrationcore.agent;

import java.util.List;

/**
 * One attested handshake a peer agent made with this agent, for {@code status}: who connected,
 * both verdicts as far as they are known, and the TLS session when it opened.
 *
 * @param at              when it ended (ISO-8601, UTC)
 * @param peer            the host name the peer claimed, {@code ?} if it never said
 * @param peerRole        {@code source} or {@code destination}; null when the handshake failed before it was known
 * @param verdict         this host's verdict on the peer ({@code ACCEPT}, {@code REJECT}), null when not reached
 * @param peerVerdict     the peer's verdict on this host, null when not received
 * @param step            where a handshake that did not open ended ({@code VERDICT}, ...); null when it opened
 * @param reasons         the failed rules of a rejecting verdict, or why the handshake failed
 * @param tls             protocol, cipher suite and engine of an opened session; null otherwise
 * @param handshakeMillis how long the opened handshake took; 0 otherwise
 */
public record PeerHandshake(String at, String peer, String peerRole, String verdict, String peerVerdict, String step,
        List<String> reasons, String tls, long handshakeMillis) {
    public PeerHandshake {
        reasons = List.copyOf(reasons);
    }
}
