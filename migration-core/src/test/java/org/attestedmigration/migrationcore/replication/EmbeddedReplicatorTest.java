package org.attestedmigration.migrationcore.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.attestedmigration.migrationcore.disk.DigestTree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class EmbeddedReplicatorTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(MirrorMode.class)
    void concurrentWriterEndsWithIdenticalImages(MirrorMode mode) throws Exception {
        try (ReplicationFixture f = new ReplicationFixture(dir, 64 * MIB);
             InProcessTransport link = new InProcessTransport(f.receiver,
                     LinkModel.of(400 * MIB, Duration.ofMillis(1)))) {
            f.startWriter(1);
            try (EmbeddedReplicator r = f.replicator(link, ReplicationSettings.defaults(mode)
                    .withConvergence(4 * MIB, Duration.ofSeconds(10), true))) {
                r.converge();
                assertEquals(ReplicationPhase.MIRRORING, r.phase());
                Thread.sleep(300);
                SwitchoverResult result = r.switchover();
                assertEquals(ReplicationPhase.COMPLETED, r.phase());
                assertEquals(-1, f.mismatch(), "destination equals source byte for byte");
                assertArrayEquals(result.root(), DigestTree.compute(f.destination, f.hook.chunkMap().layout()).root());
                assertTrue(f.bytesWritten.get() > 0, "the writer really ran");
                assertTrue(f.hook.gate().paused(), "the source stays paused after handing over");
            }
        }
    }

    @Test
    void writesAfterAnEarlyVerificationAreReadAgainAtSwitchover() throws Exception {
        try (ReplicationFixture f = new ReplicationFixture(dir, 32 * MIB);
             InProcessTransport link = new InProcessTransport(f.receiver, LinkModel.UNLIMITED)) {
            f.startWriter(1);
            try (EmbeddedReplicator r = f.replicator(link, ReplicationSettings.defaults(MirrorMode.SYNC))) {
                r.converge();
                r.prepareSwitchover();
                long before = f.bytesWritten.get();
                // The guest keeps writing between the early read-back and the pause.
                while (f.bytesWritten.get() - before < 2 * MIB) {
                    Thread.sleep(10);
                }
                SwitchoverResult result = r.switchover();
                assertEquals(-1, f.mismatch());
                assertArrayEquals(DigestTree.compute(f.source, f.hook.chunkMap().layout()).root(), result.root());
                assertArrayEquals(DigestTree.compute(f.destination, f.hook.chunkMap().layout()).root(), result.root());
            }
        }
    }

    @Test
    void theSourceHashesWhatItSendsSoAnIdleDiskNeedsNoReadBack() throws Exception {
        try (ReplicationFixture f = new ReplicationFixture(dir, 16 * MIB);
             InProcessTransport link = new InProcessTransport(f.receiver, LinkModel.UNLIMITED);
             EmbeddedReplicator r = f.replicator(link, ReplicationSettings.defaults(MirrorMode.SYNC))) {
            assertEquals(16, r.sourceChunksToReread(), "nothing hashed before anything was sent");
            r.converge();
            assertEquals(0, r.sourceChunksToReread(), "every chunk was hashed as it was read to be sent");
            f.writeDirect(3 * MIB, new byte[] {1});
            assertEquals(1, r.sourceChunksToReread(), "a chunk written since must be read again");
        }
    }

    @Test
    void destinationDamagedBeforeTheEarlyVerificationIsCaught() throws Exception {
        try (ReplicationFixture f = new ReplicationFixture(dir, 16 * MIB);
             InProcessTransport link = new InProcessTransport(f.receiver, LinkModel.UNLIMITED)) {
            try (EmbeddedReplicator r = f.replicator(link, ReplicationSettings.defaults(MirrorMode.SYNC))) {
                r.converge();
                f.destination.write(9 * MIB, ByteBuffer.wrap(new byte[] {(byte) 0x5a}));
                r.prepareSwitchover();
                SwitchoverMismatchException e = assertThrows(SwitchoverMismatchException.class, r::switchover);
                assertEquals(List.of(9), e.differingChunks());
                assertFalse(f.hook.gate().paused(), "the VM keeps writing on the source");
            }
        }
    }

    @Test
    void writerFasterThanTheLinkIsThrottledAndConverges() throws Exception {
        try (ReplicationFixture f = new ReplicationFixture(dir, 32 * MIB);
             InProcessTransport link = new InProcessTransport(f.receiver,
                     LinkModel.of(24 * MIB, Duration.ofMillis(2)))) {
            f.startWriter(2);
            long start = System.nanoTime();
            try (EmbeddedReplicator r = f.replicator(link, ReplicationSettings.defaults(MirrorMode.ASYNC)
                    .withConvergence(2 * MIB, Duration.ofSeconds(8), true).withAsyncLag(4 * MIB))) {
                r.converge();
                r.switchover();
                assertEquals(-1, f.mismatch());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(seconds < 20, "bounded time: " + seconds);
            assertTrue(f.events.stream().anyMatch(e -> e.writeLimitBytesPerSecond() > 0),
                    "the throttle kicked in");
        }
    }

    @Test
    void linkFailureResumesWithoutResendingConfirmedChunks() throws Exception {
        try (ReplicationFixture f = new ReplicationFixture(dir, 64 * MIB)) {
            InProcessTransport first = new InProcessTransport(f.receiver, LinkModel.UNLIMITED.failingAfter(20));
            ReplicationException e;
            try (EmbeddedReplicator r = f.replicator(first, ReplicationSettings.defaults(MirrorMode.SYNC))) {
                e = assertThrows(ReplicationException.class, r::converge);
                assertEquals(ReplicationPhase.FAILED, r.phase());
            }
            first.close();
            assertEquals(ReplicationPhase.BULK_COPY, e.phase());
            assertEquals(20, first.chunksDelivered());
            // Re-dirty three chunks the destination already confirmed, and one it never got.
            List<Integer> confirmed = f.hook.chunkMap().cleanChunks().stream().limit(3).boxed().toList();
            assertEquals(3, confirmed.size());
            for (int c : confirmed) {
                f.writeDirect(c * MIB + 100, new byte[] {1, 2, 3});
            }
            int neverSent = f.hook.chunkMap().dirtyChunks().nextSetBit(0);
            f.writeDirect(neverSent * MIB, new byte[] {4});

            InProcessTransport second = new InProcessTransport(f.receiver, LinkModel.UNLIMITED);
            try (EmbeddedReplicator r = f.replicator(second, ReplicationSettings.defaults(MirrorMode.SYNC))) {
                r.converge();
                r.switchover();
            }
            second.close();
            assertEquals(64 - 20 + 3, second.chunksDelivered(), "only unconfirmed or re-dirtied chunks");
            assertEquals(-1, f.mismatch());
        }
    }

    @Test
    void restartedSourceResumesFromItsJournal() throws Exception {
        try (ReplicationFixture f = new ReplicationFixture(dir, 64 * MIB)) {
            // 32 MiB/s: one chunk every ~31 ms; checkpoints every 100 ms catch some of them.
            InProcessTransport first = new InProcessTransport(f.receiver,
                    new LinkModel(32 * MIB, Duration.ZERO, 40));
            try (EmbeddedReplicator r = f.replicator(first, ReplicationSettings.defaults(MirrorMode.ASYNC)
                    .withCheckpointInterval(Duration.ofMillis(100)))) {
                assertThrows(ReplicationException.class, r::converge);
            }
            first.close();
            int journaled = f.sourceJournal.load().orElseThrow().confirmedCount();
            assertTrue(journaled > 0 && journaled <= 40, "journaled " + journaled);

            // A new agent process: fresh chunk map, only the journals survive.
            ReplicationWriteHook fresh = new ReplicationWriteHook(f.hook.chunkMap().layout());
            InProcessTransport second = new InProcessTransport(f.receiver, LinkModel.UNLIMITED);
            try (EmbeddedReplicator r = new EmbeddedReplicator(f.source, fresh, second, f.sourceJournal,
                    ReplicationSettings.defaults(MirrorMode.ASYNC), p -> { })) {
                r.converge();
                r.switchover();
            }
            second.close();
            assertEquals(64 - journaled, second.chunksDelivered());
            assertEquals(-1, f.mismatch());
        }
    }

    @Test
    void corruptedDestinationChunkIsReportedAndSourceResumes() throws Exception {
        try (ReplicationFixture f = new ReplicationFixture(dir, 16 * MIB);
             InProcessTransport link = new InProcessTransport(f.receiver, LinkModel.UNLIMITED)) {
            try (EmbeddedReplicator r = f.replicator(link, ReplicationSettings.defaults(MirrorMode.SYNC))) {
                r.converge();
                f.destination.write(5 * MIB + 17, ByteBuffer.wrap(new byte[] {(byte) 0xee}));
                SwitchoverMismatchException e = assertThrows(SwitchoverMismatchException.class, r::switchover);
                assertEquals(List.of(5), e.differingChunks());
                assertEquals(ReplicationPhase.FAILED, r.phase());
                assertFalse(f.hook.gate().paused(), "the VM keeps writing on the source");
                assertTrue(f.hook.chunkMap().isDirty(5));
            }
        }
    }
}
