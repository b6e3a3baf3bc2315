package org.attestedmigration.cli.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/** Counts bytes arriving at a benchmark's receiving end, so the sender can wait until a phase has fully arrived. */
final class ReceivedBytes {
    private final AtomicLong received = new AtomicLong();
    private volatile long target = Long.MAX_VALUE;
    private volatile CompletableFuture<Void> reached = new CompletableFuture<>();

    /** Completes once {@code more} bytes beyond those counted so far have arrived. Call before they are sent. */
    CompletableFuture<Void> expect(long more) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        reached = f;
        target = received.get() + more;
        if (received.get() >= target) {
            f.complete(null);
        }
        return f;
    }

    /** Called on the receiving event loop. */
    void add(long n) {
        if (received.addAndGet(n) >= target) {
            reached.complete(null);
        }
    }
}
