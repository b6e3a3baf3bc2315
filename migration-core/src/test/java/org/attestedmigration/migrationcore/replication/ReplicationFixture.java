package org.attestedmigration.migrationcore.replication;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.DiskImage;
import org.attestedmigration.migrationcore.nbd.NbdExport;
import org.attestedmigration.migrationcore.nbd.NbdServer;
import org.attestedmigration.migrationcore.nbd.NbdTestClient;

/** A source disk served over NBD with its write hook, a destination disk, and a writer. */
final class ReplicationFixture implements AutoCloseable {
    final DiskImage source;
    final DiskImage destination;
    final ReplicationWriteHook hook;
    final NbdServer server;
    final ReplicationJournal sourceJournal;
    final ReplicationJournal destinationJournal;
    final ChunkReceiver receiver;
    final List<ReplicationProgress> events = new CopyOnWriteArrayList<>();
    private final Path dir;
    private Thread writer;
    private final AtomicBoolean stopWriter = new AtomicBoolean();
    final AtomicLong bytesWritten = new AtomicLong();

    ReplicationFixture(Path dir, long size) throws IOException {
        this.dir = dir;
        byte[] content = new byte[(int) size];
        new Random(42).nextBytes(content);
        Files.write(dir.resolve("src.raw"), content);
        source = DiskImage.open(dir.resolve("src.raw"), false);
        destination = DiskImage.create(dir.resolve("dst.raw"), size);
        hook = new ReplicationWriteHook(ChunkLayout.of(size));
        server = NbdServer.start(dir.resolve("nbd.sock"), new NbdExport("vda", source, hook));
        sourceJournal = new ReplicationJournal(dir.resolve("src.journal"));
        destinationJournal = new ReplicationJournal(dir.resolve("dst.journal"));
        receiver = new ChunkReceiver(destination, destinationJournal);
    }

    EmbeddedReplicator replicator(ChunkTransport transport, ReplicationSettings settings) {
        return new EmbeddedReplicator(source, hook, transport, sourceJournal, settings, events::add);
    }

    /** Random 4-64 KiB writes through the NBD export until stopped. */
    void startWriter(long seed) {
        writer = new Thread(() -> {
            Random r = new Random(seed);
            try (NbdTestClient nbd = NbdTestClient.connect(server.socketPath(), "vda")) {
                while (!stopWriter.get()) {
                    byte[] b = new byte[4096 * (1 + r.nextInt(16))];
                    r.nextBytes(b);
                    long off = 4096L * r.nextInt((int) ((source.size() - b.length) / 4096));
                    if (nbd.write(off, b, false) != 0) {
                        throw new IllegalStateException("write failed");
                    }
                    bytesWritten.addAndGet(b.length);
                }
            } catch (IOException e) {
                // The server closed while we were stopping.
            }
        }, "test-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /** Stops the writer; resumes the gate first so a write held by switchover can finish. */
    void stopWriter() throws InterruptedException {
        stopWriter.set(true);
        hook.gate().resume();
        if (writer != null) {
            writer.join(10_000);
        }
    }

    /** A write through the same path NBD uses, without a client. */
    void writeDirect(long offset, byte[] data) throws Exception {
        hook.beforeWrite(offset, data.length);
        try {
            source.write(offset, ByteBuffer.wrap(data));
        } finally {
            hook.afterWrite(offset, data.length).toCompletableFuture().get();
        }
    }

    long mismatch() throws IOException {
        return Files.mismatch(dir.resolve("src.raw"), dir.resolve("dst.raw"));
    }

    @Override
    public void close() throws Exception {
        stopWriter();
        server.close();
        source.close();
        destination.close();
    }
}
