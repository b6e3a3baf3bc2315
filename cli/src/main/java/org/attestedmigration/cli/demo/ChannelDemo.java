package org.attestedmigration.cli.demo;

import io.netty.buffer.ByteBuf;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.attestedmigration.policy.Policy;
import org.attestedmigration.securechannel.AttestedSession;
import org.attestedmigration.securechannel.handshake.AttestationRejectedException;
import org.attestedmigration.securechannel.handshake.AttestedConnection;
import org.attestedmigration.securechannel.handshake.AttestedEndpoint;
import org.attestedmigration.securechannel.handshake.AttestedListener;
import org.attestedmigration.securechannel.handshake.HandshakeException;
import org.attestedmigration.securechannel.handshake.MigrationRole;
import org.attestedmigration.securechannel.mux.ErrorCode;
import org.attestedmigration.securechannel.mux.MuxConfig;
import org.attestedmigration.securechannel.mux.MuxStream;
import org.attestedmigration.securechannel.mux.StreamKind;
import org.attestedmigration.securechannel.mux.StreamReader;

/**
 * The demo's network part: the source's agent connects to the destination's over TLS 1.3 on
 * loopback, both attest each other inside that connection, and only if both accept does a stream
 * carry bytes (a stand-in for the disk and memory streams of a migration).
 */
final class ChannelDemo {
    /** What happened on the wire. */
    record Outcome(boolean opened, String detail, long handshakeMs, long bytesReceived) {
    }

    static final int PAYLOAD = 16 * 1024 * 1024;

    private ChannelDemo() {
    }

    static Outcome run(EmulatedHost source, EmulatedHost destination, Policy policy) throws Exception {
        AtomicLong received = new AtomicLong();
        CompletableFuture<Void> done = new CompletableFuture<>();
        try (Tpm srcTpm = source.openTpm(); Tpm dstTpm = destination.openTpm();
                AttestedEndpoint src = AttestedEndpoint.builder(source.name(), srcTpm, source.eventLog().encode(), policy).build();
                AttestedEndpoint dst = AttestedEndpoint.builder(destination.name(), dstTpm, destination.eventLog().encode(), policy).build();
                AttestedListener listener = dst.listen(new InetSocketAddress("127.0.0.1", 0),
                        conn -> AttestedSession.start(conn, MuxConfig.defaults(), in -> in.accept(counting(received, done))),
                        failure -> { })) {
            AttestedConnection connection;
            try {
                connection = src.connect("127.0.0.1", listener.address().getPort(), MigrationRole.SOURCE).get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                return new Outcome(false, describe(e.getCause()), 0, received.get());
            }
            try (AttestedSession session = AttestedSession.start(connection, MuxConfig.defaults(),
                    in -> in.reject(ErrorCode.NOT_ALLOWED, "the source accepts no streams")).get(10, TimeUnit.SECONDS)) {
                MuxStream stream = session.streams().open(StreamKind.BYTES, Map.of("purpose", "demo")).get(10, TimeUnit.SECONDS);
                try (OutputStream out = stream.outputStream()) {
                    out.write(new byte[PAYLOAD]);
                }
                done.get(30, TimeUnit.SECONDS);
                return new Outcome(true, connection.tls().protocol() + " " + connection.tls().cipherSuite() + " on " + connection.engine()
                        + ", both verdicts ACCEPT", connection.handshakeTime().toMillis(), received.get());
            }
        }
    }

    private static StreamReader counting(AtomicLong received, CompletableFuture<Void> done) {
        return new StreamReader() {
            @Override
            public void onData(MuxStream stream, ByteBuf data, boolean endOfMessage) {
                int n = data.readableBytes();
                data.release();
                stream.consumed(n);
                if (received.addAndGet(n) >= PAYLOAD) {
                    done.complete(null);
                }
            }
        };
    }

    private static String describe(Throwable t) {
        if (t instanceof AttestationRejectedException r) {
            return "refused by " + (r.rejectedBy() == AttestationRejectedException.RejectedBy.LOCAL ? "the source" : "the destination")
                    + " at " + r.step() + ": " + String.join("; ", r.verdict().reasons());
        }
        if (t instanceof HandshakeException h) {
            return "handshake failed at " + h.step() + " (" + h.failure() + "): " + h.getMessage();
        }
        return "failed: " + t;
    }
}
