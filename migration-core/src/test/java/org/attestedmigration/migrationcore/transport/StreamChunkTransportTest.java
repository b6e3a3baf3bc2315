package org.attestedmigration.migrationcore.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.DiskImage;
import org.attestedmigration.migrationcore.replication.ChunkReceiver;
import org.attestedmigration.migrationcore.replication.EmbeddedReplicator;
import org.attestedmigration.migrationcore.replication.MirrorMode;
import org.attestedmigration.migrationcore.replication.ReplicatedDiskWriter;
import org.attestedmigration.migrationcore.replication.ReplicationJournal;
import org.attestedmigration.migrationcore.replication.ReplicationSettings;
import org.attestedmigration.migrationcore.replication.ReplicationWriteHook;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A replication through {@link StreamChunkTransport} and {@link ChunkService} over a real mux stream. */
class StreamChunkTransportTest {
    private static final int CHUNK = 128 * 1024;
    private static final long SIZE = 8L << 20;

    @TempDir
    Path dir;

    @Test
    void zeroChunksCrossAsFourBytesAndOverwriteWhateverTheDestinationHad() throws Exception {
        // Every fourth chunk holds data, the rest is a disk's unwritten space; the destination starts as garbage.
        byte[] content = new byte[(int) SIZE];
        Random random = new Random(9);
        for (int c = 0; c < SIZE / CHUNK; c += 4) {
            byte[] data = new byte[CHUNK];
            random.nextBytes(data);
            System.arraycopy(data, 0, content, c * CHUNK, CHUNK);
        }
        Files.write(dir.resolve("src.raw"), content);
        byte[] garbage = new byte[(int) SIZE];
        java.util.Arrays.fill(garbage, (byte) 0xee);
        Files.write(dir.resolve("dst.raw"), garbage);
        try (DiskImage source = DiskImage.open(dir.resolve("src.raw"), false);
             DiskImage destination = DiskImage.open(dir.resolve("dst.raw"), false);
             MuxPair mux = new MuxPair()) {
            Thread service = ChunkService.serve(new ChunkReceiver(destination, new ReplicationJournal(dir.resolve("dst.journal"))),
                    mux.destinationEnd);
            ReplicationWriteHook hook = new ReplicationWriteHook(new ChunkLayout(SIZE, CHUNK));
            StreamChunkTransport transport = new StreamChunkTransport(mux.sourceEnd);
            try (EmbeddedReplicator r = new EmbeddedReplicator(source, hook, transport, new ReplicationJournal(dir.resolve("src.journal")),
                    ReplicationSettings.defaults(MirrorMode.SYNC), p -> { })) {
                r.converge();
                r.switchover();
            }
            assertEquals(SIZE / 4, transport.payloadBytesSent(), "only the chunks holding data crossed");
            transport.close();
            service.join(10_000);
            assertEquals(-1, Files.mismatch(dir.resolve("src.raw"), dir.resolve("dst.raw")));
        }
    }

    @Test
    void aDiskWrittenWhileMirroredArrivesWholeAndSmallWritesGoAsRanges() throws Exception {
        byte[] content = new byte[(int) SIZE];
        new Random(5).nextBytes(content);
        Files.write(dir.resolve("src.raw"), content);
        try (DiskImage source = DiskImage.open(dir.resolve("src.raw"), false);
             DiskImage destination = DiskImage.create(dir.resolve("dst.raw"), SIZE);
             MuxPair mux = new MuxPair()) {
            Thread service = ChunkService.serve(new ChunkReceiver(destination, new ReplicationJournal(dir.resolve("dst.journal"))),
                    mux.destinationEnd);
            ReplicationWriteHook hook = new ReplicationWriteHook(new ChunkLayout(SIZE, CHUNK));
            StreamChunkTransport transport = new StreamChunkTransport(mux.sourceEnd);
            ReplicatedDiskWriter guest = new ReplicatedDiskWriter(source, hook);
            Random random = new Random(6);
            try (EmbeddedReplicator r = new EmbeddedReplicator(source, hook, transport, new ReplicationJournal(dir.resolve("src.journal")),
                    ReplicationSettings.defaults(MirrorMode.SYNC), p -> { })) {
                r.converge();
                assertEquals(SIZE, r.progress().bytesSent());
                for (int i = 0; i < 200; i++) {
                    byte[] block = new byte[4096];
                    random.nextBytes(block);
                    guest.write(4096L * random.nextInt((int) (SIZE / 4096)), block);
                }
                r.switchover();
                assertEquals(SIZE + 200 * 4096, r.progress().bytesSent(), "each 4 KiB write sent 4 KiB");
            }
            transport.close();
            service.join(10_000);
            assertEquals(-1, Files.mismatch(dir.resolve("src.raw"), dir.resolve("dst.raw")));
            assertTrue(!service.isAlive(), "the service ended with the stream");
        }
    }
}
