package org.attestedmigration.securechannel;

import java.util.concurrent.CompletableFuture;
import org.attestedmigration.securechannel.handshake.AttestedConnection;
import org.attestedmigration.securechannel.handshake.MigrationRole;
import org.attestedmigration.securechannel.mux.MuxConfig;
import org.attestedmigration.securechannel.mux.MuxRole;
import org.attestedmigration.securechannel.mux.MuxSession;
import org.attestedmigration.securechannel.mux.StreamAcceptor;

/**
 * An attested connection carrying streams: the only way application data moves between agents.
 * It exists only after both verdicts were ACCEPT; the stream layer is installed on the event
 * loop before any byte the peer sent after its verdict is read.
 */
public final class AttestedSession implements AutoCloseable {
    private final AttestedConnection attestation;
    private final MuxSession streams;

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
        connection.open(pipeline -> {
            try {
                result.complete(new AttestedSession(connection, MuxSession.install(pipeline.channel(), role, config, acceptor)));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
                connection.close();
            }
        });
        return result;
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
