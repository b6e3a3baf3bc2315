package org.attestedmigration.migrationcore.replication;

import java.util.concurrent.CompletableFuture;
import org.attestedmigration.migrationcore.disk.ChunkMap;

/**
 * Holds each write's acknowledgement until the destination confirmed every chunk it touched.
 * If the link fails the write is acknowledged anyway: the source has it, and the replication
 * is failing back to the source.
 */
final class SyncMirror implements Mirror {
    private final ChunkMap map;
    private final ChunkShipper shipper;

    SyncMirror(ChunkMap map, ChunkShipper shipper) {
        this.map = map;
        this.shipper = shipper;
    }

    @Override
    public void beforeWrite(long length) {
    }

    @Override
    public CompletableFuture<Void> afterWrite(int firstChunk, int lastChunk) {
        CompletableFuture<?>[] acks = new CompletableFuture<?>[lastChunk - firstChunk + 1];
        for (int c = firstChunk; c <= lastChunk; c++) {
            acks[c - firstChunk] = shipper.awaitConfirmed(c, map.generation(c));
        }
        return CompletableFuture.allOf(acks).exceptionally(error -> null);
    }
}
