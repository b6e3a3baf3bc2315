package org.attestedmigration.migrationcore.transport;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import org.attestedmigration.migrationcore.agent.ServedVm;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.DiskImage;
import org.attestedmigration.migrationcore.replication.ChunkReceiver;
import org.attestedmigration.migrationcore.replication.EmbeddedReplicator;
import org.attestedmigration.migrationcore.replication.MirrorMode;
import org.attestedmigration.migrationcore.replication.ReplicationJournal;
import org.attestedmigration.migrationcore.replication.ReplicationSettings;
import org.attestedmigration.migrationcore.replication.ReplicationWriteHook;
import org.attestedmigration.migrationcore.replication.SwitchoverResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Figures for docs/replicator.md, not assertions: 1 GiB through {@link StreamChunkTransport} and
 * {@link ChunkService} over a mux session on loopback TCP (no TLS), the agent's chunk size. Run with
 * {@code mvn -B -o -pl migration-core -am test -Dtest=StreamReplicationBenchmark -Dreplicator.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "replicator.bench", matches = "true")
class StreamReplicationBenchmark {
    private static final long SIZE = 1L << 30;

    @TempDir
    Path dir;

    private static ReplicationSettings settings() {
        ReplicationSettings s = ReplicationSettings.defaults(MirrorMode.SYNC);
        if (System.getProperty("bench.checkpoint") != null) {
            s = s.withCheckpointInterval(java.time.Duration.ofSeconds(Long.getLong("bench.checkpoint")));
        }
        if (System.getProperty("bench.inflight") != null) {
            s = new ReplicationSettings(s.mirrorMode(), Long.getLong("bench.inflight") << 20, s.convergedBytes(), s.convergenceDeadline(),
                    s.throttleWrites(), s.minWriteRate(), s.maxAsyncLagBytes(), s.checkpointInterval(), s.switchoverTimeout());
        }
        return s;
    }

    @Test
    void bulkCopyOfOneGibOverAMuxStream() throws Exception {
        try (DiskImage source = DiskImage.create(dir.resolve("src.raw"), SIZE);
             DiskImage destination = DiskImage.create(dir.resolve("dst.raw"), SIZE);
             MuxPair mux = new MuxPair()) {
            byte[] block = new byte[1 << 20];
            new Random(1).nextBytes(block);
            for (long off = 0; off < SIZE; off += block.length) {
                block[0] = (byte) (off >> 20);
                source.write(off, ByteBuffer.wrap(block));
            }
            ChunkReceiver receiver = new ChunkReceiver(destination, new ReplicationJournal(dir.resolve("dst.journal")));
            Thread service = ChunkService.serve(receiver, mux.destinationEnd);
            ReplicationWriteHook hook = new ReplicationWriteHook(new ChunkLayout(SIZE, ServedVm.CHUNK_SIZE));
            StreamChunkTransport transport = new StreamChunkTransport(mux.sourceEnd);
            try (EmbeddedReplicator r = new EmbeddedReplicator(source, hook, transport, new ReplicationJournal(dir.resolve("src.journal")),
                    settings(), p -> { })) {
                long t0 = System.nanoTime();
                r.converge();
                long t1 = System.nanoTime();
                r.prepareSwitchover();
                long t2 = System.nanoTime();
                SwitchoverResult s = r.switchover();
                long t3 = System.nanoTime();
                System.out.printf("stream bulk copy 1 GiB: %.1f MB/s (%.2f s); read-back %.2f s; switchover %.0f ms (paused %d ms)%n",
                        SIZE / 1e6 / ((t1 - t0) / 1e9), (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e6, s.pausedFor().toMillis());
            }
            transport.close();
            service.join(10_000);
        }
    }
}
