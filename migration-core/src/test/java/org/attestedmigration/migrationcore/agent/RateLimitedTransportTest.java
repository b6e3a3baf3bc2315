package org.attestedmigration.migrationcore.agent;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.DigestTree;
import org.attestedmigration.migrationcore.replication.ChunkPayload;
import org.attestedmigration.migrationcore.replication.ChunkTransport;
import org.junit.jupiter.api.Test;

class RateLimitedTransportTest {
    @Test
    void chunksLeaveNoFasterThanTheLimit() throws Exception {
        ChunkTransport sink = new ChunkTransport() {
            public CompletableFuture<BitSet> open(ChunkLayout layout) {
                return CompletableFuture.completedFuture(new BitSet());
            }

            public CompletableFuture<Void> sendChunk(int index, ChunkPayload data) {
                return CompletableFuture.completedFuture(null);
            }

            public CompletableFuture<Void> sendRange(int index, int offset, ChunkPayload data) {
                return CompletableFuture.completedFuture(null);
            }

            public CompletableFuture<Void> flush() {
                return CompletableFuture.completedFuture(null);
            }

            public CompletableFuture<DigestTree> digestTree() {
                return CompletableFuture.failedFuture(new UnsupportedOperationException());
            }

            public void close() {
            }
        };
        // 8 chunks of 128 KiB at 4 MiB/s: the first goes at once, the rest take 7/32 s.
        ChunkTransport limited = RateLimitedTransport.limit(sink, 4L << 20);
        long start = System.nanoTime();
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            sent.add(limited.sendChunk(i, ChunkPayload.of(ByteBuffer.allocate(128 * 1024))));
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get();
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= 200, "took " + ms + " ms");
        assertTrue(RateLimitedTransport.limit(sink, 0) == sink, "no limit, no wrapper");
    }
}
