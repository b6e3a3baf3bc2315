package org.attestedmigration.migrationcore.agent;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import org.attestedmigration.securechannel.handshake.AttestationRejectedException;
import org.attestedmigration.securechannel.handshake.AttestedConnection;
import org.attestedmigration.securechannel.handshake.HandshakeException;

/**
 * The last attested handshakes peers made with this agent, so that an operator (or the demo) sees
 * the verdicts without reading the log. Bounded: an agent runs for months.
 */
final class HandshakeLog {
    static final int KEPT = 16;
    private final Deque<PeerHandshake> recent = new ArrayDeque<>();

    void opened(AttestedConnection c) {
        String tls = c.tls().protocol() + " " + c.tls().cipherSuite() + " on " + c.engine();
        add(new PeerHandshake(Instant.now().toString(), c.peerHost(), c.peerRole().name().toLowerCase(Locale.ROOT),
                c.localVerdict().decision().name(), c.peerVerdict().decision().name(), null, List.of(), tls,
                c.handshakeTime().toMillis()));
    }

    void failed(HandshakeException failure) {
        String step = failure.step().name();
        if (failure instanceof AttestationRejectedException r) {
            // Whichever verdict rejected is known; the other one may not have been exchanged.
            boolean ours = r.rejectedBy() == AttestationRejectedException.RejectedBy.LOCAL;
            add(new PeerHandshake(Instant.now().toString(), r.peerHost(), null, ours ? "REJECT" : null, ours ? null : "REJECT", step,
                    r.verdict().reasons(), null, 0));
        } else {
            add(new PeerHandshake(Instant.now().toString(), "?", null, null, null, step,
                    List.of(failure.failure() + ": " + failure.getMessage()), null, 0));
        }
    }

    synchronized List<PeerHandshake> recent() {
        return List.copyOf(recent);
    }

    private synchronized void add(PeerHandshake h) {
        if (recent.size() == KEPT) {
            recent.removeFirst();
        }
        recent.addLast(h);
    }
}
