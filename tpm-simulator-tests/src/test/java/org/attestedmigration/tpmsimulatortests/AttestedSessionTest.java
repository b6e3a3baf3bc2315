package org.attestedmigration.tpmsimulatortests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.attestedmigration.attestation.txt.SampleLaunch;
import org.attestedmigration.cli.demo.Demo;
import org.attestedmigration.policy.Policy;
import org.attestedmigration.policy.Verdict;
import org.attestedmigration.securechannel.AttestedSession;
import org.attestedmigration.securechannel.handshake.AttestedEndpoint;
import org.attestedmigration.securechannel.handshake.AttestedListener;
import org.attestedmigration.securechannel.handshake.MigrationRole;
import org.attestedmigration.securechannel.mux.ControlChannel;
import org.attestedmigration.securechannel.mux.KindRouter;
import org.attestedmigration.securechannel.mux.MuxConfig;
import org.attestedmigration.securechannel.mux.MuxStream;
import org.attestedmigration.securechannel.mux.StreamKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole channel: two hosts with their own swtpm attest each other over TLS 1.3, then carry a
 * control conversation and a bulk stream through the multiplexer on that same connection.
 */
class AttestedSessionTest {
    @TempDir
    Path dir;

    @Test
    void attestedPeersCarryControlAndBulkStreamsOverTheirTlsConnection() throws Exception {
        ExecutorService io = Executors.newCachedThreadPool();
        try (EmulatedHost source = EmulatedHost.boot("source", dir.resolve("source"), SampleLaunch.trusted().components());
                EmulatedHost destination = EmulatedHost.boot("destination", dir.resolve("destination"), SampleLaunch.trusted().components())) {
            Policy policy = Demo.enrollPair(source, destination);
            CompletableFuture<AttestedSession> serverSide = new CompletableFuture<>();
            ControlChannel serverControl = new ControlChannel(new ObjectMapper(), io)
                    .onRequest("status", body -> new ObjectMapper().createObjectNode().put("phase", "idle").put("asked", body.get("vm").asText()));
            KindRouter router = new KindRouter(Map.of(
                    StreamKind.CONTROL, in -> serverControl.attach(in.accept()),
                    StreamKind.BYTES, in -> io.execute(() -> echo(in.accept()))));
            try (Tpm srcTpm = source.openTpm(); Tpm dstTpm = destination.openTpm();
                    AttestedEndpoint src = AttestedEndpoint.builder("source", srcTpm, source.eventLog().encode(), policy).build();
                    AttestedEndpoint dst = AttestedEndpoint.builder("destination", dstTpm, destination.eventLog().encode(), policy).build();
                    AttestedListener listener = dst.listen(new InetSocketAddress("127.0.0.1", 0),
                            conn -> AttestedSession.start(conn, MuxConfig.defaults(), router).thenAccept(serverSide::complete),
                            serverSide::completeExceptionally)) {
                var connection = src.connect("127.0.0.1", listener.address().getPort(), MigrationRole.SOURCE).get(30, TimeUnit.SECONDS);
                assertTrue(connection.localVerdict().accepted() && connection.peerVerdict().accepted());
                assertEquals("TLSv1.3", connection.tls().protocol());
                try (AttestedSession session = AttestedSession.start(connection, MuxConfig.defaults(),
                        in -> in.reject(org.attestedmigration.securechannel.mux.ErrorCode.NOT_ALLOWED, "client accepts no streams"))
                        .get(10, TimeUnit.SECONDS)) {
                    ControlChannel control = new ControlChannel(new ObjectMapper()).openOn(session.streams()).get(10, TimeUnit.SECONDS);
                    JsonNode status = control.request("status", Map.of("vm", "vm-1")).get(10, TimeUnit.SECONDS);
                    assertEquals("idle", status.get("phase").asText());
                    assertEquals("vm-1", status.get("asked").asText());

                    byte[] data = new byte[24 * 1024 * 1024];
                    new Random(7).nextBytes(data);
                    MuxStream bulk = session.streams().open(StreamKind.BYTES, Map.of()).get(10, TimeUnit.SECONDS);
                    CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> sha256(bulk.inputStream()), io);
                    try (OutputStream out = bulk.outputStream()) {
                        out.write(data);
                    }
                    assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), echoed.get(60, TimeUnit.SECONDS));
                    AttestedSession server = serverSide.get(10, TimeUnit.SECONDS);
                    assertEquals("source", server.attestation().peerHost());

                    // Re-attestation on the same connection, both ways, while nothing changed: ACCEPT.
                    assertTrue(session.reattestPeer().get(30, TimeUnit.SECONDS).accepted());
                    assertTrue(server.reattestPeer().get(30, TimeUnit.SECONDS).accepted());

                    // The destination's measured state changes under a long migration: the next
                    // re-attestation rejects it and every stream of the session stops.
                    MuxStream longTransfer = session.streams().open(StreamKind.BYTES, Map.of()).get(10, TimeUnit.SECONDS);
                    dstTpm.extendPcr(18, 2, Map.of(HashAlgorithm.SHA256, new byte[32], HashAlgorithm.SHA1, new byte[20]));
                    Verdict verdict = session.reattestPeer().get(30, TimeUnit.SECONDS);
                    assertFalse(verdict.accepted());
                    assertTrue(verdict.reasons().get(0).contains("EVENT_LOG_REPLAY"), verdict.reasons().toString());
                    assertTrue(longTransfer.closeFuture().get(10, TimeUnit.SECONDS).message().contains("re-attestation rejected"));
                    assertFalse(session.streams().isOpen());
                }
            }
        } finally {
            io.shutdownNow();
        }
    }

    private static void echo(MuxStream stream) {
        try (InputStream in = stream.inputStream(); OutputStream out = stream.outputStream()) {
            in.transferTo(out);
        } catch (Exception e) {
            stream.reset("echo failed: " + e.getMessage());
        }
    }

    private static byte[] sha256(InputStream in) {
        try (in) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return md.digest();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
