package org.attestedmigration.migrationcore.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The per-chunk written ranges a {@link ChunkMap} keeps for sub-chunk transfers. */
class WrittenRangesTest {
    private static final int CHUNK = 128 * 1024;
    private final ChunkMap map = new ChunkMap(new ChunkLayout(4L * CHUNK, CHUNK));

    @Test
    void aChunkNeverTakenIsWholeAndATakenOneIsEmpty() {
        assertEquals(new ChunkRange(0, CHUNK), map.takeWrittenRange(1));
        assertTrue(map.takeWrittenRange(1).isEmpty());
    }

    @Test
    void writesWidenTheRangeOfEachChunkTheyTouch() {
        takeAll();
        map.markWritten(CHUNK + 4096, 4096);
        map.markWritten(CHUNK + 100, 10);
        assertEquals(new ChunkRange(100, 8192), map.takeWrittenRange(1));
        map.markWritten(2L * CHUNK - 512, 1024);
        assertEquals(new ChunkRange(CHUNK - 512, CHUNK), map.takeWrittenRange(1));
        assertEquals(new ChunkRange(0, 512), map.takeWrittenRange(2));
        assertTrue(map.takeWrittenRange(0).isEmpty());
        assertTrue(map.takeWrittenRange(3).isEmpty());
    }

    @Test
    void aRestoredRangeMergesWithWritesMadeSince() {
        takeAll();
        map.markWritten(CHUNK + 8192, 4096);
        ChunkRange lost = map.takeWrittenRange(1);
        map.markWritten(CHUNK + 20000, 100);
        map.restoreWrittenRange(1, lost);
        assertEquals(new ChunkRange(8192, 20100), map.takeWrittenRange(1));
    }

    @Test
    void invalidatingAChunkMakesItWholeAgain() {
        takeAll();
        map.markWritten(4096, 1);
        map.invalidate(0);
        assertEquals(new ChunkRange(0, CHUNK), map.takeWrittenRange(0));
        assertTrue(!map.peerHolds(0));
    }

    private void takeAll() {
        for (int i = 0; i < 4; i++) {
            map.takeWrittenRange(i);
        }
    }
}
