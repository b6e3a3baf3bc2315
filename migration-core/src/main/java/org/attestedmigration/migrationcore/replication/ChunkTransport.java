package org.attestedmigration.migrationcore.replication;

import java.util.BitSet;
import java.util.concurrent.CompletableFuture;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.DigestTree;

/**
 * The replicator's only view of the destination: whatever carries chunks (an in-process link in
 * tests, a stream of the attested secure channel, several peers) implements this. Every call is
 * asynchronous so a transport can pipeline; a failed future means the link is unusable and the
 * replication stops before switchover.
 */
public interface ChunkTransport extends AutoCloseable {
    /**
     * Starts (or resumes) a replication of an image cut as {@code layout}. The destination
     * refuses a layout that does not match its disk.
     *
     * @return the chunks the destination holds durably from earlier attempts (empty the first time)
     */
    CompletableFuture<BitSet> open(ChunkLayout layout);

    /**
     * Sends one whole chunk. The transport reads {@code data} (once, when it is about to send it);
     * the future completes when the destination has written it.
     */
    CompletableFuture<Void> sendChunk(int index, ChunkPayload data);

    /**
     * Sends part of a chunk the destination already holds an earlier version of: {@code data}
     * replaces the chunk's bytes from {@code offset} (within the chunk) on. The future completes
     * when the destination has written it.
     */
    CompletableFuture<Void> sendRange(int index, int offset, ChunkPayload data);

    /** Makes every chunk acknowledged so far durable at the destination (and its journal). */
    CompletableFuture<Void> flush();

    /** Has the destination hash its whole image. */
    CompletableFuture<DigestTree> digestTree();

    /** Releases the link; never throws. */
    @Override
    void close();
}
