package org.attestedmigration.migrationcore.agent;

import java.util.BitSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.DigestTree;
import org.attestedmigration.migrationcore.replication.ChunkPayload;
import org.attestedmigration.migrationcore.replication.ChunkTransport;

/**
 * Caps the rate at which chunks leave, for {@code --max-bandwidth}: each chunk reserves its slot
 * on a virtual clock and is handed to the real transport when the slot comes. It never blocks the
 * caller, which may be a thread completing acknowledgements.
 */
final class RateLimitedTransport implements ChunkTransport {
    private final ChunkTransport delegate;
    private final double nanosPerByte;
    private long nextSlot = System.nanoTime();

    RateLimitedTransport(ChunkTransport delegate, long bytesPerSecond) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("bytesPerSecond must be positive");
        }
        this.delegate = delegate;
        this.nanosPerByte = 1e9 / bytesPerSecond;
    }

    /** The transport itself when there is no limit. */
    static ChunkTransport limit(ChunkTransport transport, long bytesPerSecond) {
        return bytesPerSecond == 0 ? transport : new RateLimitedTransport(transport, bytesPerSecond);
    }

    @Override
    public CompletableFuture<BitSet> open(ChunkLayout layout) {
        return delegate.open(layout);
    }

    @Override
    public CompletableFuture<Void> sendChunk(int index, ChunkPayload data) {
        return after(reserve(data.length()), () -> delegate.sendChunk(index, data));
    }

    @Override
    public CompletableFuture<Void> sendRange(int index, int offset, ChunkPayload data) {
        return after(reserve(data.length()), () -> delegate.sendRange(index, offset, data));
    }

    /** The payload is read when the delayed send runs, so nothing is buffered while it waits. */
    private static CompletableFuture<Void> after(long waitNanos, Supplier<CompletableFuture<Void>> send) {
        if (waitNanos <= 0) {
            return send.get();
        }
        return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(waitNanos, TimeUnit.NANOSECONDS))
                .thenCompose(v -> send.get());
    }

    /** Nanoseconds until {@code bytes} may go; an idle link does not bank credit beyond now. */
    private synchronized long reserve(int bytes) {
        long now = System.nanoTime();
        long start = Math.max(now, nextSlot);
        nextSlot = start + (long) (bytes * nanosPerByte);
        return start - now;
    }

    @Override
    public CompletableFuture<Void> flush() {
        return delegate.flush();
    }

    @Override
    public CompletableFuture<DigestTree> digestTree() {
        return delegate.digestTree();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
