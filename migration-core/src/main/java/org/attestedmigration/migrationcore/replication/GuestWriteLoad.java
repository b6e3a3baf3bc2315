package org.attestedmigration.migrationcore.replication;

import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.attestedmigration.migrationcore.disk.DiskImage;

/**
 * A guest's disk workload for demos and tests: random 4 KiB-aligned writes of 4 KiB to
 * {@code maxBlocks} × 4 KiB, through exactly the path the NBD export takes (hook before, write,
 * hook after and wait for its acknowledgement), with a pause between writes. It stops when asked,
 * or quietly when a write fails (the gate was closed at switchover, the disk went away).
 */
public final class GuestWriteLoad implements AutoCloseable {
    private static final int BLOCK = 4096;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong written = new AtomicLong();
    private final Thread thread;
    private final ReplicationWriteHook hook;

    private GuestWriteLoad(DiskImage disk, ReplicationWriteHook hook, int maxBlocks, long pauseMillis, long seed) {
        this.hook = hook;
        this.thread = new Thread(() -> run(disk, maxBlocks, pauseMillis, seed), "guest-write-load");
        thread.setDaemon(true);
    }

    /** Starts writing at once. */
    public static GuestWriteLoad start(DiskImage disk, ReplicationWriteHook hook, int maxBlocks, long pauseMillis, long seed) {
        GuestWriteLoad load = new GuestWriteLoad(disk, hook, maxBlocks, pauseMillis, seed);
        load.thread.start();
        return load;
    }

    private void run(DiskImage disk, int maxBlocks, long pauseMillis, long seed) {
        ReplicatedDiskWriter writer = new ReplicatedDiskWriter(disk, hook);
        Random r = new Random(seed);
        while (!stop.get()) {
            byte[] b = new byte[BLOCK * (1 + r.nextInt(maxBlocks))];
            r.nextBytes(b);
            long off = (long) BLOCK * r.nextInt((int) ((disk.size() - b.length) / BLOCK));
            try {
                writer.write(off, b);
                written.addAndGet(b.length);
                if (pauseMillis > 0) {
                    Thread.sleep(pauseMillis);
                }
            } catch (Exception e) {
                return;
            }
        }
    }

    /** Bytes the guest has written so far. */
    public long bytesWritten() {
        return written.get();
    }

    /** Stops the load; a write held by a paused gate is let through first so the thread can end. */
    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        hook.gate().resume();
        thread.join(10_000);
    }
}
