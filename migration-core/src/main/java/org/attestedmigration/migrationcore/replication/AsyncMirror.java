package org.attestedmigration.migrationcore.replication;

import java.util.concurrent.CompletableFuture;

/**
 * Acknowledges writes at once and sends their chunks in the background; a writer waits before
 * writing while the unsent backlog exceeds the bound, which is what bounds the lag.
 */
final class AsyncMirror implements Mirror {
    private final ChunkShipper shipper;
    private final long maxLagBytes;

    AsyncMirror(ChunkShipper shipper, long maxLagBytes) {
        this.shipper = shipper;
        this.maxLagBytes = maxLagBytes;
    }

    @Override
    public void beforeWrite(long length) throws InterruptedException {
        shipper.awaitBacklogAtMost(maxLagBytes);
    }

    @Override
    public CompletableFuture<Void> afterWrite(int firstChunk, int lastChunk) {
        for (int c = firstChunk; c <= lastChunk; c++) {
            shipper.enqueue(c);
        }
        return CompletableFuture.completedFuture(null);
    }
}
