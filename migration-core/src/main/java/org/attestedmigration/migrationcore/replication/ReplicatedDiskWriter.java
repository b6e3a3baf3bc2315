package org.attestedmigration.migrationcore.replication;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutionException;
import org.attestedmigration.migrationcore.disk.DiskImage;
import org.attestedmigration.migrationcore.memory.DiskWriter;

/**
 * A VM's disk writes taken the way the agent's NBD export takes them: the replication hook sees
 * each one before and after it lands, so a migration in progress marks the chunk dirty or
 * mirrors it, and a paused gate holds it.
 */
public final class ReplicatedDiskWriter implements DiskWriter {
    private final DiskImage disk;
    private final ReplicationWriteHook hook;

    public ReplicatedDiskWriter(DiskImage disk, ReplicationWriteHook hook) {
        this.disk = disk;
        this.hook = hook;
    }

    @Override
    public void write(long offset, byte[] data) throws IOException {
        try {
            hook.beforeWrite(offset, data.length);
            try {
                disk.write(offset, ByteBuffer.wrap(data));
            } finally {
                hook.afterWrite(offset, data.length).toCompletableFuture().get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("disk write interrupted");
        } catch (ExecutionException e) {
            throw new IOException("mirroring the write failed: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
