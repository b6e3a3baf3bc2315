package org.attestedmigration.migrationcore.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDigestsTest {
    private static final int CHUNK = 4096;

    @TempDir
    Path dir;

    @Test
    void firstRefreshReadsEverythingLaterOnesOnlyWrittenChunks() throws Exception {
        ChunkLayout layout = new ChunkLayout(8 * CHUNK, CHUNK);
        ChunkMap map = new ChunkMap(layout);
        try (DiskImage img = DiskImage.create(dir.resolve("a.raw"), layout.imageSize())) {
            ImageDigests digests = new ImageDigests(img, layout, map::generation);
            DigestTree first = digests.refresh();
            assertEquals(8, digests.lastRefreshedChunks());
            assertEquals(DigestTree.compute(img, layout), first);

            digests.refresh();
            assertEquals(0, digests.lastRefreshedChunks(), "nothing written, nothing read");

            write(img, map, 3 * CHUNK + 7, (byte) 9);
            DigestTree second = digests.refresh();
            assertEquals(1, digests.lastRefreshedChunks());
            assertEquals(DigestTree.compute(img, layout), second);
            assertEquals(List.of(3), first.differingChunks(second));
        }
    }

    @Test
    void chunkReadWhileAWriteIsInFlightIsReadAgain() throws Exception {
        ChunkLayout layout = new ChunkLayout(2 * CHUNK, CHUNK);
        ChunkMap map = new ChunkMap(layout);
        try (DiskImage img = DiskImage.create(dir.resolve("a.raw"), layout.imageSize())) {
            ImageDigests digests = new ImageDigests(img, layout, map::generation);
            // The bytes land, the refresh runs before the writer advances the generation ...
            img.write(CHUNK, ByteBuffer.wrap(new byte[] {5}));
            digests.refresh();
            // ... and a second write lands: only the generation's advance makes it count.
            img.write(CHUNK + 1, ByteBuffer.wrap(new byte[] {6}));
            map.markWritten(CHUNK, 2);
            DigestTree tree = digests.refresh();
            assertEquals(1, digests.lastRefreshedChunks());
            assertEquals(DigestTree.compute(img, layout), tree);
        }
    }

    @Test
    void bytesOfferedAtTheCurrentGenerationSpareTheReadStaleOnesDoNot() throws Exception {
        ChunkLayout layout = new ChunkLayout(4 * CHUNK, CHUNK);
        ChunkMap map = new ChunkMap(layout);
        try (DiskImage img = DiskImage.create(dir.resolve("a.raw"), layout.imageSize())) {
            ImageDigests digests = new ImageDigests(img, layout, map::generation);
            write(img, map, 1, (byte) 7);
            for (int i = 0; i < 4; i++) {
                long generation = map.generation(i);
                ByteBuffer bytes = ByteBuffer.allocate(CHUNK);
                img.read(layout.offsetOf(i), bytes);
                digests.offer(i, generation, bytes.flip());
            }
            // Chunk 2 changes after its bytes were offered: that offer is stale.
            write(img, map, 2 * CHUNK + 5, (byte) 8);
            DigestTree tree = digests.refresh();
            assertEquals(1, digests.lastRefreshedChunks(), "only the chunk written after its offer is read");
            assertEquals(DigestTree.compute(img, layout), tree);
        }
    }

    @Test
    void damageThatBypassesTheWritePathIsNotSeenUntilTheChunkIsWrittenAgain() throws Exception {
        ChunkLayout layout = new ChunkLayout(4 * CHUNK, CHUNK);
        ChunkMap map = new ChunkMap(layout);
        try (DiskImage img = DiskImage.create(dir.resolve("a.raw"), layout.imageSize())) {
            ImageDigests digests = new ImageDigests(img, layout, map::generation);
            DigestTree before = digests.refresh();
            assertEquals(0, digests.staleChunks());
            // The documented limit: a change no generation counts is invisible to the cached digests ...
            img.write(2 * CHUNK, ByteBuffer.wrap(new byte[] {1}));
            assertEquals(before, digests.refresh());
            // ... until the chunk is written through the write path and read again.
            write(img, map, 2 * CHUNK + 1, (byte) 2);
            assertEquals(1, digests.staleChunks());
            assertEquals(DigestTree.compute(img, layout), digests.refresh());
        }
    }

    private static void write(DiskImage img, ChunkMap map, long offset, byte value) throws Exception {
        img.write(offset, ByteBuffer.wrap(new byte[] {value}));
        map.markWritten(offset, 1);
    }
}
