package org.attestedmigration.migrationcore.replication;

import java.util.concurrent.TimeUnit;

/**
 * Admits guest writes: can pause them all (switchover) and can limit their rate (convergence).
 *
 * <p>{@link #pause()} returns only once the writes already admitted have left the gate, so after
 * it the image and the chunk map are stable.
 */
public final class WriteGate {
    private boolean paused;
    private int active;
    private long bytesPerSecond;
    /** When the rate limiter admits the next byte, in nanoTime. */
    private long nextSlot;

    /** Waits while paused, then (if limited) until the rate allows {@code length} more bytes. */
    public void enter(long length) throws InterruptedException {
        long wakeAt;
        synchronized (this) {
            while (paused) {
                wait();
            }
            active++;
            if (bytesPerSecond <= 0) {
                return;
            }
            long now = System.nanoTime();
            long start = Math.max(now, nextSlot);
            nextSlot = start + length * 1_000_000_000L / bytesPerSecond;
            wakeAt = start;
        }
        long left = wakeAt - System.nanoTime();
        if (left > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                exit();
                throw e;
            }
        }
    }

    /** The write admitted by {@link #enter} is in the image. */
    public synchronized void exit() {
        active--;
        notifyAll();
    }

    /** Stops admitting writes and waits for the admitted ones to finish. */
    public synchronized void pause() throws InterruptedException {
        paused = true;
        while (active > 0) {
            wait();
        }
    }

    public synchronized void resume() {
        paused = false;
        notifyAll();
    }

    public synchronized boolean paused() {
        return paused;
    }

    /** Limits guest writes to {@code bytesPerSecond}; 0 removes the limit. */
    public synchronized void limitRate(long bytesPerSecond) {
        this.bytesPerSecond = Math.max(0, bytesPerSecond);
        nextSlot = System.nanoTime();
    }

    public synchronized long rateLimit() {
        return bytesPerSecond;
    }
}
