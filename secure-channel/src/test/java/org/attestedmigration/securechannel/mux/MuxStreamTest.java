package org.attestedmigration.securechannel.mux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class MuxStreamTest {

    /** Echoes every accepted stream back to its opener, half-closing when the opener does. */
    static StreamAcceptor echo() {
        return in -> {
            MuxStream s = in.accept();
            Thread t = new Thread(() -> {
                try (InputStream is = s.inputStream(); OutputStream os = s.outputStream()) {
                    is.transferTo(os);
                } catch (IOException e) {
                    s.reset("echo failed: " + e);
                }
            }, "echo-" + s.id());
            t.setDaemon(true);
            t.start();
        };
    }

    @Test
    void severalStreamsRoundTripInBothDirectionsAtOnce() throws Exception {
        try (MuxHarness h = new MuxHarness(MuxConfig.defaults(), echo(), echo())) {
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (MuxSession side : List.of(h.client, h.server)) {
                for (int i = 0; i < 4; i++) {
                    byte[] payload = new byte[300_000 + i * 1000];
                    new Random(i).nextBytes(payload);
                    MuxStream s = side.open(StreamKind.BYTES, Map.of("n", "" + i)).get(5, TimeUnit.SECONDS);
                    done.add(CompletableFuture.runAsync(() -> roundTrip(s, payload)));
                }
            }
            CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
        }
    }

    private static void roundTrip(MuxStream s, byte[] payload) {
        try {
            CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
                try (InputStream in = s.inputStream()) {
                    return in.readAllBytes();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            try (OutputStream out = s.outputStream()) {
                out.write(payload);
            }
            assertArrayEquals(payload, back.get(20, TimeUnit.SECONDS));
            assertTrue(s.closeFuture().get(5, TimeUnit.SECONDS).isClean());
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    void bulkStreamCarries256MiBIntact() throws Exception {
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        StreamAcceptor sink = in -> {
            MuxStream s = in.accept();
            new Thread(() -> {
                try (InputStream is = s.inputStream()) {
                    MessageDigest md = MessageDigest.getInstance("SHA-256");
                    byte[] buf = new byte[256 * 1024];
                    for (int n; (n = is.read(buf)) > 0; ) {
                        md.update(buf, 0, n);
                    }
                    received.complete(md.digest());
                } catch (Exception e) {
                    received.completeExceptionally(e);
                }
            }).start();
        };
        try (MuxHarness h = new MuxHarness(sink)) {
            MuxStream s = h.client.open(StreamKind.BYTES, Map.of()).get(5, TimeUnit.SECONDS);
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] block = new byte[1024 * 1024];
            Random r = new Random(42);
            try (OutputStream out = s.outputStream()) {
                for (int i = 0; i < 256; i++) {
                    r.nextBytes(block);
                    md.update(block);
                    out.write(block);
                }
            }
            assertArrayEquals(md.digest(), received.get(60, TimeUnit.SECONDS));
        }
    }

    @Test
    void senderStaysWithinWindowWhenPeerStopsReading() throws Exception {
        MuxConfig config = MuxConfig.defaults().withInitialStreamWindow(256 * 1024);
        CompletableFuture<MuxStream> accepted = new CompletableFuture<>();
        StreamAcceptor neverReads = in -> accepted.complete(in.accept());
        try (MuxHarness h = new MuxHarness(config, StreamAcceptor.rejectAll(), neverReads)) {
            MuxStream s = h.client.open(StreamKind.BYTES, Map.of()).get(5, TimeUnit.SECONDS);
            AtomicLong completedWrites = new AtomicLong();
            int chunk = 64 * 1024;
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int i = 0; i < 64; i++) { // 4 MiB offered, far beyond the 256 KiB window
                writes.add(s.write(Unpooled.wrappedBuffer(new byte[chunk])).thenRun(completedWrites::incrementAndGet));
            }
            // Wait until every write is queued and the whole window is used: the most the sender may ever send.
            long offered = 64L * chunk;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((s.bytesSent() < config.initialStreamWindow() || s.bytesSent() + s.pendingWriteBytes() < offered)
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(200); // give a broken sender the chance to overshoot
            assertEquals(config.initialStreamWindow(), s.bytesSent());
            assertEquals(config.initialStreamWindow() / chunk, completedWrites.get());
            assertEquals(0, s.sendWindow());
            assertEquals(offered - config.initialStreamWindow(), s.pendingWriteBytes());
            // Consuming on the receiving side grants more window, and the writes resume.
            MuxStream peer = accepted.get(5, TimeUnit.SECONDS);
            InputStream in = peer.inputStream();
            CompletableFuture<Long> drained = CompletableFuture.supplyAsync(() -> {
                try {
                    return in.skip(64L * chunk);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).get(10, TimeUnit.SECONDS);
            assertEquals(64L * chunk, drained.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void byteByByteReaderWithTheSmallestWindowNeverStallsTheSender() throws Exception {
        // Credit is batched on the reading side; it must still reach the sender before the reader blocks.
        MuxConfig config = MuxConfig.defaults().withInitialStreamWindow(16 * 1024);
        byte[] payload = new byte[1 << 20];
        new Random(3).nextBytes(payload);
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        StreamAcceptor readsSingleBytes = in -> {
            MuxStream s = in.accept();
            Thread t = new Thread(() -> {
                try (InputStream is = s.inputStream()) {
                    java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
                    for (int b; (b = is.read()) >= 0; ) {
                        got.write(b);
                    }
                    received.complete(got.toByteArray());
                } catch (IOException e) {
                    received.completeExceptionally(e);
                }
            }, "single-byte-reader");
            t.setDaemon(true);
            t.start();
        };
        try (MuxHarness h = new MuxHarness(config, StreamAcceptor.rejectAll(), readsSingleBytes)) {
            MuxStream s = h.client.open(StreamKind.BYTES, Map.of()).get(5, TimeUnit.SECONDS);
            try (OutputStream out = s.outputStream()) {
                out.write(payload);
            }
            assertArrayEquals(payload, received.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void halfCloseWorksInBothDirectionsIndependently() throws Exception {
        CompletableFuture<MuxStream> accepted = new CompletableFuture<>();
        try (MuxHarness h = new MuxHarness(in -> accepted.complete(in.accept()))) {
            MuxStream a = h.client.open(StreamKind.BYTES, Map.of()).get(5, TimeUnit.SECONDS);
            MuxStream b = accepted.get(5, TimeUnit.SECONDS);
            InputStream bin = b.inputStream();
            InputStream ain = a.inputStream();
            try (OutputStream aout = a.outputStream()) {
                aout.write("request".getBytes());
            }
            assertEquals("request", new String(bin.readAllBytes())); // EOF after the client's half-close
            OutputStream bout = b.outputStream();
            bout.write("reply after the peer half-closed".getBytes());
            bout.flush();
            assertTrue(!a.closeFuture().isDone(), "one direction still open");
            bout.close();
            assertEquals("reply after the peer half-closed", new String(ain.readAllBytes()));
            assertTrue(a.closeFuture().get(5, TimeUnit.SECONDS).isClean());
            assertTrue(b.closeFuture().get(5, TimeUnit.SECONDS).isClean());
        }
    }

    @Test
    void resetOfOneStreamLeavesAnotherIntact() throws Exception {
        try (MuxHarness h = new MuxHarness(echo())) {
            MuxStream doomed = h.client.open(StreamKind.BYTES, Map.of()).get(5, TimeUnit.SECONDS);
            MuxStream survivor = h.client.open(StreamKind.BYTES, Map.of()).get(5, TimeUnit.SECONDS);
            doomed.write(Unpooled.wrappedBuffer(new byte[100_000])).get(5, TimeUnit.SECONDS);
            doomed.reset("test cancels this one");
            CloseReason reason = doomed.closeFuture().get(5, TimeUnit.SECONDS);
            assertEquals(ErrorCode.CANCEL, reason.code());
            ExecutionException late = assertThrows(ExecutionException.class,
                    () -> doomed.write(Unpooled.wrappedBuffer(new byte[1])).get(5, TimeUnit.SECONDS));
            assertTrue(late.getCause() instanceof MuxException);
            byte[] payload = new byte[500_000];
            new Random(7).nextBytes(payload);
            roundTrip(survivor, payload);
            assertTrue(h.client.isOpen() && h.server.isOpen());
        }
    }

    @Test
    void rejectedOpenReportsCodeAndReason() throws Exception {
        try (MuxHarness h = new MuxHarness(in -> in.reject(ErrorCode.NOT_ALLOWED, "no thanks"))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> h.client.open(StreamKind.BYTES, Map.of()).get(5, TimeUnit.SECONDS));
            CloseReason reason = ((MuxException) e.getCause()).reason();
            assertEquals(ErrorCode.NOT_ALLOWED, reason.code());
            assertEquals("no thanks", reason.message());
            assertTrue(reason.byPeer());
        }
    }

    @Test
    void connectionCloseFailsAllStreamsWithReason() throws Exception {
        try (MuxHarness h = new MuxHarness(in -> in.accept())) {
            MuxStream s1 = h.client.open(StreamKind.BYTES, Map.of()).get(5, TimeUnit.SECONDS);
            MuxStream s2 = h.client.open(StreamKind.STDIO, Map.of()).get(5, TimeUnit.SECONDS);
            h.server.close("maintenance");
            assertEquals(ErrorCode.CONNECTION_CLOSED, s1.closeFuture().get(5, TimeUnit.SECONDS).code());
            assertTrue(s2.closeFuture().get(5, TimeUnit.SECONDS).message().contains("maintenance"));
            CloseReason r = h.client.closeFuture().get(5, TimeUnit.SECONDS);
            assertTrue(r.byPeer());
            assertEquals("maintenance", r.message());
        }
    }

    @Test
    void pingMeasuresRoundTrip() throws Exception {
        try (MuxHarness h = new MuxHarness(StreamAcceptor.rejectAll())) {
            assertTrue(h.client.ping().get(5, TimeUnit.SECONDS) > 0);
        }
    }

    @Test
    void saturatedBulkStreamsShareTheConnectionRoundRobin() throws Exception {
        Map<Integer, AtomicLong> received = new java.util.concurrent.ConcurrentHashMap<>();
        StreamAcceptor sink = in -> in.accept(new StreamReader() {
            @Override
            public void onData(MuxStream s, io.netty.buffer.ByteBuf data, boolean eom) {
                int n = data.readableBytes();
                data.release();
                received.computeIfAbsent(s.id(), k -> new AtomicLong()).addAndGet(n);
                s.consumed(n);
            }
        });
        // Windows larger than the data, so only the scheduler (not flow control) decides who goes next.
        MuxConfig config = MuxConfig.defaults().withConnectionWindow(128 << 20).withInitialStreamWindow(64 << 20);
        try (MuxHarness h = new MuxHarness(config, StreamAcceptor.rejectAll(), sink)) {
            MuxStream a = h.client.open(StreamKind.BYTES, Map.of()).get(5, TimeUnit.SECONDS);
            MuxStream b = h.client.open(StreamKind.BYTES, Map.of()).get(5, TimeUnit.SECONDS);
            int size = 32 << 20;
            CompletableFuture<Long> bWhenADone = new CompletableFuture<>();
            CompletableFuture<CompletableFuture<Void>> bDone = new CompletableFuture<>();
            // Queue both on the event loop in one task so a slow test thread cannot give A a head start.
            h.client.channel().eventLoop().execute(() -> {
                a.write(Unpooled.wrappedBuffer(new byte[size])).thenRun(() -> bWhenADone.complete(b.bytesSent()));
                bDone.complete(b.write(Unpooled.wrappedBuffer(new byte[size])));
            });
            bDone.get(5, TimeUnit.SECONDS).get(20, TimeUnit.SECONDS);
            // Frame-by-frame turns: when A's last byte went out, B had sent about as much (not nothing).
            long bSent = bWhenADone.get(20, TimeUnit.SECONDS);
            assertTrue(bSent > size / 2, "B sent only " + bSent + " bytes while A sent " + size);
        }
    }
}
