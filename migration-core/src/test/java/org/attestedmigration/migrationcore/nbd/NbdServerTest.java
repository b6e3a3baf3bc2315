package org.attestedmigration.migrationcore.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.ChunkMap;
import org.attestedmigration.migrationcore.disk.DiskImage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NbdServerTest {
    private static final long SIZE = 16L << 20;

    @TempDir
    Path dir;
    private DiskImage image;
    private ChunkMap chunks;
    private NbdServer server;
    private Path socket;

    @BeforeEach
    void start() throws IOException {
        image = DiskImage.create(dir.resolve("disk.raw"), SIZE);
        chunks = new ChunkMap(ChunkLayout.of(SIZE));
        for (int i = 0; i < chunks.layout().chunkCount(); i++) {
            chunks.confirm(i, 0);
        }
        socket = dir.resolve("nbd.sock");
        server = NbdServer.start(socket, new NbdExport("disk0", image, (off, len) -> {
            chunks.markWritten(off, len);
            return CompletableFuture.completedFuture(null);
        }));
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        image.close();
    }

    private String uri() {
        return "nbd+unix:///disk0?socket=" + socket;
    }

    static boolean hasQemu() {
        return Files.isExecutable(Path.of("/usr/bin/qemu-io")) && Files.isExecutable(Path.of("/usr/bin/qemu-img"));
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", cmd));
        }
        String out = new String(p.getInputStream().readAllBytes());
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }

    @Test
    void qemuIoWritesAreTrackedAndReadBack() throws Exception {
        assumeTrue(hasQemu(), "qemu-utils not installed");
        String out = run("qemu-io", "-f", "raw", uri(),
                "-c", "write -P 0xab 0 1M", "-c", "read -P 0xab 0 1M",
                "-c", "write -f -P 0x5c 3M 4k", "-c", "write -z 5M 64k", "-c", "discard 8M 64k",
                "-c", "flush", "-c", "read -P 0x5c 3M 4k");
        assertFalse(out.contains("Pattern verification failed"), out);
        assertFalse(out.toLowerCase().contains("error"), out);
        ByteBuffer b = ByteBuffer.allocate(1 << 20);
        image.read(0, b);
        byte[] expect = new byte[1 << 20];
        Arrays.fill(expect, (byte) 0xab);
        assertArrayEquals(expect, b.array());
        assertTrue(chunks.isDirty(0));
        assertTrue(chunks.isDirty(3));
        assertTrue(chunks.isDirty(5));
        assertFalse(chunks.isDirty(1));
        assertFalse(chunks.isDirty(8), "discard is ignored, so the chunk keeps its data");
    }

    @Test
    void qemuImgConvertAndCompareSeeTheImage() throws Exception {
        assumeTrue(hasQemu(), "qemu-utils not installed");
        byte[] data = new byte[(int) SIZE];
        new Random(7).nextBytes(data);
        image.write(0, ByteBuffer.wrap(data));
        Path copy = dir.resolve("copy.raw");
        run("qemu-img", "convert", "-f", "raw", "-O", "raw", uri(), copy.toString());
        assertEquals(-1, Files.mismatch(image.path(), copy));
        run("qemu-img", "compare", "-f", "raw", "-F", "raw", uri(), copy.toString());
        // And the other way: convert a file into the export through NBD writes.
        byte[] other = new byte[(int) SIZE];
        new Random(8).nextBytes(other);
        Path src = dir.resolve("src.raw");
        Files.write(src, other);
        run("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", src.toString(), uri());
        assertEquals(-1, Files.mismatch(image.path(), src));
        assertEquals(chunks.layout().chunkCount(), chunks.dirtyCount());
    }

    @Test
    void concurrentClientsEachSeeTheirWrites() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Void>> done = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                int client = c;
                done.add(pool.submit(() -> {
                    try (NbdTestClient nbd = NbdTestClient.connect(socket, "disk0")) {
                        Random r = new Random(client);
                        for (int i = 0; i < 50; i++) {
                            byte[] b = new byte[4096 * (1 + r.nextInt(8))];
                            r.nextBytes(b);
                            long off = client * (SIZE / 4) + 4096L * r.nextInt(512);
                            assertEquals(0, nbd.write(off, b, i % 10 == 0));
                            assertArrayEquals(b, nbd.read(off, b.length));
                        }
                        assertEquals(0, nbd.flush());
                    }
                    return null;
                }));
            }
            for (Future<Void> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void invalidRequestsGetErrorsAndTheServerSurvives() throws Exception {
        try (NbdTestClient nbd = NbdTestClient.connect(socket, "disk0")) {
            assertEquals(SIZE, nbd.size());
            assertEquals(22, nbd.request(NbdTestClient.CMD_READ, 0, SIZE - 10, 20, null).error());
            assertEquals(22, nbd.request(NbdTestClient.CMD_READ, 0, 0, 64 << 20, null).error());
            assertEquals(28, nbd.request(NbdTestClient.CMD_WRITE, 0, SIZE - 2, 4, new byte[4]).error());
            assertEquals(28, nbd.request(NbdTestClient.CMD_WRITE_ZEROES, 0, SIZE, 4096, null).error());
            assertEquals(22, nbd.request(99, 0, 0, 0, null).error());
            assertEquals(22, nbd.request(NbdTestClient.CMD_READ, 1 << 9, 0, 512, null).error());
            assertEquals(0, nbd.write(0, new byte[] {1, 2, 3}, false));
            assertArrayEquals(new byte[] {1, 2, 3}, nbd.read(0, 3));
            // An oversized write cannot be skipped cheaply: the server hangs up.
            nbd.send(NbdTestClient.CMD_WRITE, 0, 77, 0, 0xF0000000L, null);
            assertTrue(nbd.closedByServer());
        }
        try (NbdTestClient nbd = NbdTestClient.connect(socket, "disk0")) {
            ByteBuffer bad = ByteBuffer.allocate(28).putInt(0xdeadbeef);
            nbd.rawWrite(bad.position(28).flip());
            assertTrue(nbd.closedByServer(), "bad request magic ends the connection");
        }
        ByteBuffer first = ByteBuffer.allocate(1);
        image.read(0, first);
        assertEquals(1, first.get(0));
    }

    @Test
    void garbageAndUnknownExportsDoNotHurtTheServer() throws Exception {
        byte[] junk = new byte[4096];
        new Random(1).nextBytes(junk);
        try (SocketChannel raw = NbdTestClient.rawConnect(socket)) {
            raw.write(ByteBuffer.wrap(junk));
            ByteBuffer b = ByteBuffer.allocate(1 << 16);
            try {
                while (raw.read(b.clear()) >= 0) {
                    // Drain until the server hangs up.
                }
            } catch (IOException reset) {
                // The server closed with our junk unread: also a hang-up.
            }
        }
        try (NbdTestClient nbd = NbdTestClient.connect(socket, "disk0")) {
            assertEquals(0, nbd.write(4096, new byte[] {9}, true));
        }
        IOException refused = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> NbdTestClient.connect(socket, "nope"));
        assertTrue(refused.getMessage().contains("80000006"), refused.getMessage());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (server.connectionCount() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, server.connectionCount(), "every refused or finished client was released");
    }

    @Test
    void heldWriteIsAcknowledgedOnlyWhenReleased() throws Exception {
        server.close();
        CompletableFuture<Void> hold = new CompletableFuture<>();
        Path sock2 = dir.resolve("held.sock");
        try (NbdServer held = NbdServer.start(sock2, new NbdExport("d", image, (o, l) -> hold));
             NbdTestClient nbd = NbdTestClient.connect(sock2, "d")) {
            CompletableFuture<Integer> ack = CompletableFuture.supplyAsync(() -> {
                try {
                    return nbd.write(0, new byte[] {5}, false);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            org.junit.jupiter.api.Assertions.assertThrows(TimeoutException.class,
                    () -> ack.get(300, TimeUnit.MILLISECONDS));
            hold.complete(null);
            assertEquals(0, ack.get(5, TimeUnit.SECONDS));
        }
        server = NbdServer.start(socket, new NbdExport("disk0", image, WriteObserver.NONE));
    }
}
