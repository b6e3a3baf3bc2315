package org.attestedmigration.migrationcore.memory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Breaks a stream whose read or write call has blocked longer than the timeout: a plain
 * {@code InputStream}/{@code OutputStream} has no timeout of its own, and a thread blocked on one
 * must not wait forever. The breaking action closes the stream and interrupts the blocked thread
 * (a socket wakes on close, a pipe on interrupt).
 */
final class StallWatchdog implements AutoCloseable {
    private final Thread thread;
    private volatile boolean closed;
    private volatile boolean fired;

    private StallWatchdog(String name, Duration timeout, MonitoredStreams.Busy busy, Runnable onStall) {
        long limit = timeout.toNanos();
        long tick = Math.max(10, Math.min(250, timeout.toMillis() / 4));
        thread = new Thread(() -> {
            while (!closed) {
                try {
                    TimeUnit.MILLISECONDS.sleep(tick);
                } catch (InterruptedException e) {
                    return;
                }
                long since = busy.busySince();
                if (!closed && since != 0 && System.nanoTime() - since > limit) {
                    fired = true;
                    onStall.run();
                    return;
                }
            }
        }, name);
        thread.setDaemon(true);
    }

    static StallWatchdog start(String name, Duration timeout, MonitoredStreams.Busy busy, Runnable onStall) {
        StallWatchdog w = new StallWatchdog(name, timeout, busy, onStall);
        w.thread.start();
        return w;
    }

    /** True once it broke the stream. */
    boolean fired() {
        return fired;
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
