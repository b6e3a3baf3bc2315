package org.attestedmigration.migrationcore.disk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskPackageTest {
    @TempDir
    Path dir;

    @Test
    void imageRefusesOutOfRangeAccess() throws Exception {
        try (DiskImage img = DiskImage.create(dir.resolve("a.raw"), 8192)) {
            assertEquals(8192, img.size());
            img.write(4096, ByteBuffer.wrap(new byte[] {1, 2, 3}));
            ByteBuffer b = ByteBuffer.allocate(3);
            img.read(4096, b);
            assertArrayEquals(new byte[] {1, 2, 3}, b.array());
            assertThrows(IllegalArgumentException.class, () -> img.write(8190, ByteBuffer.allocate(3)));
            assertThrows(IllegalArgumentException.class, () -> img.read(-1, ByteBuffer.allocate(1)));
            assertThrows(IllegalArgumentException.class, () -> img.writeZeroes(0, 8193));
            assertEquals(8192, img.size());
        }
    }

    @Test
    void layoutValidatesChunkSize() {
        assertThrows(IllegalArgumentException.class, () -> new ChunkLayout(1 << 20, 3000));
        assertThrows(IllegalArgumentException.class, () -> new ChunkLayout(0, 4096));
        ChunkLayout l = new ChunkLayout(10_000, 4096);
        assertEquals(3, l.chunkCount());
        assertEquals(10_000 - 8192, l.lengthOf(2));
    }

    @Test
    void writeDuringTransferLeavesChunkDirty() {
        ChunkMap map = new ChunkMap(new ChunkLayout(4 * 4096, 4096));
        assertEquals(4, map.dirtyCount());
        long g = map.generation(1);          // sender reads the generation first
        map.markWritten(4096 + 10, 5);       // a write lands while the bytes travel
        assertFalse(map.confirm(1, g));      // the stale ack does not clean it
        assertTrue(map.confirm(1, map.generation(1)));
        assertTrue(map.confirm(1, g));       // a late old ack never lowers it
        assertFalse(map.isDirty(1));
        map.markWritten(4095, 2);            // straddles chunks 0 and 1
        assertTrue(map.isDirty(0));
        assertTrue(map.isDirty(1));
        assertThrows(IllegalArgumentException.class, () -> map.markWritten(4 * 4096 - 1, 2));
    }

    @Test
    void digestTreeFindsDifferingChunks() throws Exception {
        ChunkLayout l = new ChunkLayout(5 * 4096 + 100, 4096);
        try (DiskImage a = DiskImage.create(dir.resolve("a.raw"), l.imageSize());
             DiskImage b = DiskImage.create(dir.resolve("b.raw"), l.imageSize())) {
            assertEquals(DigestTree.compute(a, l), DigestTree.compute(b, l));
            b.write(2 * 4096 + 7, ByteBuffer.wrap(new byte[] {9}));
            b.write(5 * 4096 + 99, ByteBuffer.wrap(new byte[] {9}));
            DigestTree ta = DigestTree.compute(a, l);
            DigestTree tb = DigestTree.compute(b, l);
            assertEquals(List.of(2, 5), ta.differingChunks(tb));
            assertEquals(tb, DigestTree.decode(tb.encode()));
            assertThrows(IllegalArgumentException.class, () -> DigestTree.decode(new byte[20]));
            assertThrows(IllegalArgumentException.class,
                    () -> ta.differingChunks(DigestTree.compute(a, new ChunkLayout(l.imageSize(), 8192))));
        }
    }
}
