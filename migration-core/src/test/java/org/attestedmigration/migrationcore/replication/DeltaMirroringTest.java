package org.attestedmigration.migrationcore.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.attestedmigration.migrationcore.disk.DigestTree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Sub-chunk transfers: once the destination holds a chunk, a write sends only the bytes written
 * since, and no interleaving of writers and transfers loses one.
 */
class DeltaMirroringTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(MirrorMode.class)
    void aFourKibWriteWhileMirroringSendsFourKib(MirrorMode mode) throws Exception {
        try (ReplicationFixture f = new ReplicationFixture(dir, 16 * MIB);
             InProcessTransport link = new InProcessTransport(f.receiver, LinkModel.UNLIMITED);
             EmbeddedReplicator r = f.replicator(link, ReplicationSettings.defaults(mode))) {
            r.converge();
            assertEquals(16 * MIB, link.bytesDelivered(), "the bulk copy sends whole chunks");
            f.writeDirect(3 * MIB + 8192, filled(4096, 7));
            r.switchover();
            assertEquals(16 * MIB + 4096, link.bytesDelivered(), "the write's 4 KiB, not its 1 MiB chunk");
            assertEquals(-1, f.mismatch());
        }
    }

    @Test
    void writesStraddlingAChunkBoundarySendTheirPartOfEachChunk() throws Exception {
        try (ReplicationFixture f = new ReplicationFixture(dir, 16 * MIB);
             InProcessTransport link = new InProcessTransport(f.receiver, LinkModel.UNLIMITED);
             EmbeddedReplicator r = f.replicator(link, ReplicationSettings.defaults(MirrorMode.SYNC))) {
            r.converge();
            f.writeDirect(2 * MIB - 1000, filled(3000, 1));
            f.writeDirect(5 * MIB + 100, filled(10, 2));
            f.writeDirect(5 * MIB + 60000, filled(10, 3));
            r.switchover();
            // SYNC: each write waits for its own transfer, so the two writes into chunk 5 go one by one.
            assertEquals(16 * MIB + 3000 + 10 + 10, link.bytesDelivered(), "each write's part of each chunk");
            assertEquals(-1, f.mismatch());
        }
    }

    @ParameterizedTest
    @EnumSource(MirrorMode.class)
    void concurrentWritersToTheSameChunksEndWithIdenticalImages(MirrorMode mode) throws Exception {
        try (ReplicationFixture f = new ReplicationFixture(dir, 8 * MIB);
             InProcessTransport link = new InProcessTransport(f.receiver, LinkModel.UNLIMITED);
             EmbeddedReplicator r = f.replicator(link, ReplicationSettings.defaults(mode))) {
            r.converge();
            long afterBulk = link.bytesDelivered();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            long[] written = new long[4];
            for (int w = 0; w < 4; w++) {
                int id = w;
                Thread t = new Thread(() -> {
                    Random random = new Random(id);
                    try {
                        // Small writes crowded into two chunks, so transfers and writes of one chunk overlap all the time.
                        while (!stop.get()) {
                            int length = 1 + random.nextInt(8192);
                            long offset = 2 * MIB + random.nextInt((int) (2 * MIB - length));
                            f.writeDirect(offset, filled(length, random.nextInt()));
                            written[id]++;
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                t.start();
                writers.add(t);
            }
            while (total(written) < 4000) {
                Thread.sleep(10);
            }
            stop.set(true);
            for (Thread t : writers) {
                t.join();
            }
            SwitchoverResult result = r.switchover();
            assertEquals(-1, f.mismatch(), "destination equals source byte for byte");
            assertArrayEquals(DigestTree.compute(f.destination, f.hook.chunkMap().layout()).root(), result.root());
            assertTrue(link.chunksDelivered() > 8 && link.bytesDelivered() > afterBulk, "the writes were mirrored");
        }
    }

    @Test
    void aRangeLostWithTheLinkIsSentAgainOnResume() throws Exception {
        try (ReplicationFixture f = new ReplicationFixture(dir, 16 * MIB)) {
            // 16 whole chunks, then two ranges arrive; the third transfer dies with the link.
            InProcessTransport first = new InProcessTransport(f.receiver, LinkModel.UNLIMITED.failingAfter(18));
            try (EmbeddedReplicator r = f.replicator(first, ReplicationSettings.defaults(MirrorMode.SYNC))) {
                r.converge();
                f.writeDirect(1 * MIB + 10, filled(100, 1));
                f.writeDirect(2 * MIB + 20, filled(100, 2));
                f.writeDirect(3 * MIB + 30, filled(100, 3));
                assertThrows(ReplicationException.class, r::switchover);
            }
            first.close();
            assertEquals(18, first.chunksDelivered());
            f.writeDirect(3 * MIB + 5000, filled(100, 4));

            InProcessTransport second = new InProcessTransport(f.receiver, LinkModel.UNLIMITED);
            try (EmbeddedReplicator r = f.replicator(second, ReplicationSettings.defaults(MirrorMode.SYNC))) {
                r.converge();
                r.switchover();
            }
            second.close();
            assertEquals(1, second.chunksDelivered(), "only chunk 3, as one range");
            assertEquals(5000 + 100 - 30, second.bytesDelivered(), "the lost range and the write since, together");
            assertEquals(-1, f.mismatch());
        }
    }

    private static long total(long[] counts) {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }

    private static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }
}
