package org.attestedmigration.migrationcore.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.ChunkMap;
import org.attestedmigration.migrationcore.disk.DiskImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NbdClientTest {
    private static final long SIZE = 4L << 20;

    @TempDir
    Path dir;

    @Test
    void writesThroughOurExportLandInTheImageAndAreTracked() throws Exception {
        ChunkMap chunks = new ChunkMap(ChunkLayout.of(SIZE));
        try (DiskImage image = DiskImage.create(dir.resolve("disk.raw"), SIZE);
                NbdServer server = NbdServer.start(dir.resolve("nbd.sock"), new NbdExport("vda", image, (off, len) -> {
                    chunks.markWritten(off, len);
                    return CompletableFuture.completedFuture(null);
                }));
                NbdClient client = NbdClient.connect(server.socketPath(), "vda")) {
            assertEquals(SIZE, client.size());
            assertFalse(client.readOnly());
            byte[] data = new byte[8192];
            java.util.Arrays.fill(data, (byte) 0x42);
            long generation = chunks.generation(0);
            client.write(4096, data);
            client.flush();
            assertTrue(chunks.generation(0) > generation, "the write went through the export's write path");
            ByteBuffer onDisk = ByteBuffer.allocate(8192);
            image.read(4096, onDisk);
            assertArrayEquals(data, onDisk.array());
            assertArrayEquals(data, client.read(4096, 8192));
            assertThrows(IllegalArgumentException.class, () -> client.write(SIZE - 1, new byte[2]));
        }
    }

    @Test
    void anUnknownExportIsRefusedWithTheServersReason() throws Exception {
        try (DiskImage image = DiskImage.create(dir.resolve("disk.raw"), SIZE);
                NbdServer server = NbdServer.start(dir.resolve("nbd.sock"), new NbdExport("vda", image,
                        (off, len) -> CompletableFuture.completedFuture(null)))) {
            NbdProtocolException e = assertThrows(NbdProtocolException.class, () -> NbdClient.connect(server.socketPath(), "vdb"));
            assertTrue(e.getMessage().contains("'vdb'"), e.getMessage());
        }
    }

    @Test
    void speaksToQemuNbd() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-nbd")), "qemu-nbd not installed");
        Path file = dir.resolve("q.raw");
        try (DiskImage image = DiskImage.create(file, SIZE)) {
            image.flush();
        }
        Path socket = dir.resolve("q.sock");
        Process qemu = new ProcessBuilder("qemu-nbd", "-k", socket.toString(), "-f", "raw", "-x", "disk0", "-t", file.toString())
                .redirectErrorStream(true).start();
        try {
            for (int i = 0; i < 100 && !Files.exists(socket); i++) {
                Thread.sleep(50);
            }
            try (NbdClient client = NbdClient.connect(socket, "disk0")) {
                assertEquals(SIZE, client.size());
                byte[] data = "written by the attested-migration NBD client".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                client.write(512, data);
                client.flush();
                assertArrayEquals(data, client.read(512, data.length));
            }
        } finally {
            qemu.destroy();
            qemu.waitFor(10, TimeUnit.SECONDS);
        }
        byte[] onDisk = Files.readAllBytes(file);
        assertEquals("written by the attested-migration NBD client",
                new String(onDisk, 512, 44, java.nio.charset.StandardCharsets.UTF_8));
    }
}
