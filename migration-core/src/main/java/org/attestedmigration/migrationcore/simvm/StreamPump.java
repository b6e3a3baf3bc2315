package org.attestedmigration.migrationcore.simvm;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Copies a memory stream between the guest process's socket and the attested channel's stream
 * on a thread of its own. A failure on either side closes both, which is how the other side
 * learns of it (the process's writer or reader fails, the channel's stream ends short).
 */
final class StreamPump {
    private static final int BUFFER = 256 * 1024;

    private final InputStream from;
    private final OutputStream to;
    private final Closeable atEnd;
    private final CompletableFuture<Long> done = new CompletableFuture<>();
    private final java.util.concurrent.atomic.AtomicLong moved = new java.util.concurrent.atomic.AtomicLong();

    private StreamPump(InputStream from, OutputStream to, Closeable atEnd) {
        this.from = from;
        this.to = to;
        this.atEnd = atEnd;
    }

    /**
     * @param atEnd how the end of {@code from} is passed on (closing {@code to}, or half-closing a socket)
     */
    static StreamPump start(String name, InputStream from, OutputStream to, Closeable atEnd) {
        StreamPump p = new StreamPump(from, to, atEnd);
        Thread t = new Thread(p::copy, name);
        t.setDaemon(true);
        t.start();
        return p;
    }

    private void copy() {
        byte[] buf = new byte[BUFFER];
        long total = 0;
        try {
            for (int n = from.read(buf); n >= 0; n = from.read(buf)) {
                to.write(buf, 0, n);
                total += n;
                moved.set(total);
            }
            to.flush();
            atEnd.close();
            done.complete(total);
        } catch (IOException | RuntimeException e) {
            cancel();
            done.completeExceptionally(e);
        }
    }

    /**
     * Waits until everything was passed on.
     *
     * @throws IOException a side failed, or the copy did not end within {@code timeout}
     */
    long await(Duration timeout) throws IOException, InterruptedException {
        try {
            return done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("the memory stream did not end within " + timeout);
        }
    }

    /** Bytes passed on so far: a watchdog's sign of life. */
    long bytesMoved() {
        return moved.get();
    }

    /** Closes both sides; the copying thread ends. Idempotent. */
    void cancel() {
        closeQuietly(from);
        closeQuietly(to);
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException | RuntimeException e) {
            // Closing is how a blocked side is woken; it may be broken already.
        }
    }
}
