package org.attestedmigration.migrationcore.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.DiskImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackgroundReadBackTest {
    private static final int CHUNK = 64 * 1024;

    @TempDir
    Path dir;

    @Test
    void chunksReceivedAreReadBackWithoutAnyoneAsking() throws Exception {
        ChunkLayout layout = new ChunkLayout(8L * CHUNK, CHUNK);
        try (DiskImage image = DiskImage.create(dir.resolve("dst.raw"), layout.imageSize())) {
            ChunkReceiver receiver = new ChunkReceiver(image, new ReplicationJournal(dir.resolve("dst.journal")));
            receiver.open(layout);
            try (BackgroundReadBack readBack = BackgroundReadBack.start(receiver, Duration.ofMillis(10), "test")) {
                awaitNoStaleDigests(receiver);
                receiver.receive(3, ByteBuffer.wrap(new byte[CHUNK]));
                receiver.receive(5, ByteBuffer.wrap(new byte[CHUNK]));
                // Nobody asks for the tree: the background pass reads both chunks back on its own.
                awaitNoStaleDigests(receiver);
            }
        }
    }

    private static void awaitNoStaleDigests(ChunkReceiver receiver) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (receiver.staleDigests() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(0, receiver.staleDigests(), "every received chunk was read back");
    }
}
