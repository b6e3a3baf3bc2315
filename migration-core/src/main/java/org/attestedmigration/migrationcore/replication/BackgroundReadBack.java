package org.attestedmigration.migrationcore.replication;

import java.io.IOException;
import java.time.Duration;
import java.util.logging.Logger;

/**
 * Keeps a destination's read-back digests current while chunks arrive: every interval it reads
 * back and hashes what was written since. The switchover's comparison then re-reads only the last
 * few chunks instead of the whole image, and the reading overlaps the transfer instead of
 * following it. The guarantee is unchanged: every digest still comes from the disk, after the
 * chunk's last write.
 */
public final class BackgroundReadBack implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BackgroundReadBack.class.getName());

    private final ChunkReceiver receiver;
    private final long everyMillis;
    private final Thread thread;
    private volatile boolean stopped;

    private BackgroundReadBack(ChunkReceiver receiver, Duration every, String name) {
        this.receiver = receiver;
        this.everyMillis = Math.max(1, every.toMillis());
        this.thread = new Thread(this::run, "read-back-" + name);
        this.thread.setDaemon(true);
        // Below the transfer's threads: it uses spare time, the copy comes first.
        this.thread.setPriority(Thread.MIN_PRIORITY);
    }

    /** Starts reading back what {@code receiver} writes, every {@code every}. */
    public static BackgroundReadBack start(ChunkReceiver receiver, Duration every, String name) {
        BackgroundReadBack b = new BackgroundReadBack(receiver, every, name);
        b.thread.start();
        return b;
    }

    private void run() {
        while (!stopped) {
            try {
                Thread.sleep(everyMillis);
                if (receiver.isOpen()) {
                    receiver.refreshDigests();
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                // The switchover reads whatever is left; a failing disk fails it there, with the reason.
                LOG.fine("background read-back: " + e.getMessage());
            }
        }
    }

    /** Stops after the pass in progress; never interrupts a read (that would close the image's channel). */
    @Override
    public void close() {
        stopped = true;
    }
}
