package org.attestedmigration.securechannel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.attestedmigration.policy.Verdict;
import org.attestedmigration.securechannel.handshake.AttestedConnection;
import org.attestedmigration.securechannel.handshake.MigrationRole;
import org.attestedmigration.securechannel.handshake.Reattestation;
import org.attestedmigration.securechannel.mux.ControlChannel;
import org.attestedmigration.securechannel.mux.IncomingStream;
import org.attestedmigration.securechannel.mux.MuxConfig;
import org.attestedmigration.securechannel.mux.MuxRole;
import org.attestedmigration.securechannel.mux.MuxSession;
import org.attestedmigration.securechannel.mux.StreamAcceptor;
import org.attestedmigration.securechannel.mux.StreamKind;

/**
 * An attested connection carrying streams: the only way application data moves between agents.
 * It exists only after both verdicts were ACCEPT; the stream layer is installed on the event
 * loop before any byte the peer sent after its verdict is read.
 *
 * <p>Long migrations attest again on the same connection ({@link #reattestPeer()}, and every
 * {@code freshness.reattestEvery} of the policy): a REJECT then closes the session and every
 * stream in it. Re-attestation uses CONTROL streams marked {@code purpose=attestation}; the
 * application's acceptor never sees them.
 */
public final class AttestedSession implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AttestedSession.class.getName());
    private static final String PURPOSE = "purpose";
    private static final String ATTESTATION = "attestation";
    private static final String REATTEST = "attestation.reattest";
    /** TPM work must stay off the event loop; one small pool serves every session's re-attestation. */
    private static final ExecutorService TPM_WORK = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "reattestation");
        t.setDaemon(true);
        return t;
    });

    private final AttestedConnection attestation;
    private final MuxSession streams;
    private final ObjectMapper json = new ObjectMapper();
    private CompletableFuture<ControlChannel> attestationControl;

    private AttestedSession(AttestedConnection attestation, MuxSession streams) {
        this.attestation = attestation;
        this.streams = streams;
    }

    /**
     * Installs the stream layer on an attested connection. The source of the migration opens
     * odd-numbered streams and the destination even ones, so the two ends never collide.
     */
    public static CompletableFuture<AttestedSession> start(AttestedConnection connection, MuxConfig config, StreamAcceptor acceptor) {
        CompletableFuture<AttestedSession> result = new CompletableFuture<>();
        MuxRole role = connection.localRole() == MigrationRole.SOURCE ? MuxRole.INITIATOR : MuxRole.RESPONDER;
        Reattestation reattestation = connection.reattestation();
        StreamAcceptor routed = in -> {
            if (in.kind() == StreamKind.CONTROL && ATTESTATION.equals(in.metadata().get(PURPOSE))) {
                answering(reattestation).attach(in.accept());
            } else {
                acceptor.onOpen(in);
            }
        };
        connection.open(pipeline -> {
            try {
                AttestedSession session = new AttestedSession(connection, MuxSession.install(pipeline.channel(), role, config, routed));
                session.scheduleReattestation();
                result.complete(session);
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
                connection.close();
            }
        });
        return result;
    }

    /** The prover's side of re-attestation: answers a nonce with fresh evidence from the TPM. */
    private static ControlChannel answering(Reattestation reattestation) {
        return new ControlChannel(new ObjectMapper(), TPM_WORK).onRequest(REATTEST, body -> {
            byte[] nonce = Base64.getDecoder().decode(body.path("nonce").asText());
            return Map.of("evidence", Base64.getEncoder().encodeToString(reattestation.answer(nonce)));
        });
    }

    /**
     * Attests the peer again. Completes with the verdict; on REJECT the session is closed, with
     * the reasons, before the future completes.
     */
    public synchronized CompletableFuture<Verdict> reattestPeer() {
        if (attestationControl == null) {
            attestationControl = streams.open(StreamKind.CONTROL, Map.of(PURPOSE, ATTESTATION))
                    .thenApply(stream -> new ControlChannel(json, TPM_WORK).attach(stream));
        }
        Reattestation r = attestation.reattestation();
        Reattestation.Challenge challenge = r.challenge();
        return attestationControl
                .thenCompose(control -> control.request(REATTEST, Map.of("nonce", Base64.getEncoder().encodeToString(challenge.nonce()))))
                .thenApplyAsync((JsonNode answer) -> r.verify(challenge, Base64.getDecoder().decode(answer.path("evidence").asText())), TPM_WORK)
                .exceptionally(failure -> Verdict.rejectedBy(new org.attestedmigration.attestation.VerificationException(
                        org.attestedmigration.attestation.Check.QUOTE_STRUCTURE, "re-attestation failed: " + rootMessage(failure))))
                .thenApply(verdict -> {
                    if (!verdict.accepted()) {
                        LOG.warning(() -> "re-attestation of " + r.peerHost() + " REJECTED, closing all streams: " + verdict.reasons());
                        streams.close("re-attestation rejected: " + String.join("; ", verdict.reasons()));
                    }
                    return verdict;
                });
    }

    private void scheduleReattestation() {
        attestation.reattestation().interval().ifPresent(every -> {
            long ms = Math.max(1000, every.toMillis());
            var task = streams.channel().eventLoop().scheduleAtFixedRate(() -> reattestPeer(), ms, ms, TimeUnit.MILLISECONDS);
            streams.closeFuture().whenComplete((reason, e) -> task.cancel(false));
        });
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** Who the peer is and what both sides decided about each other. */
    public AttestedConnection attestation() {
        return attestation;
    }

    /** The streams: control, bulk bytes, port forwards, stdio pipes. */
    public MuxSession streams() {
        return streams;
    }

    @Override
    public void close() {
        streams.close("session closed");
    }

}
