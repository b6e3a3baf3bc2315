package org.attestedmigration.migrationcore.memory;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.BitSet;
import java.util.function.BooleanSupplier;
import org.attestedmigration.migrationcore.disk.ChunkMap;

/**
 * Sends dirty pages and remembers each sent page's hash, so the digest at pause costs a hash of
 * the page hashes, not of all memory. A page counts as sent once it is in the stream: the stream
 * is ordered and a failed stream fails the whole migration, so nothing is ever resumed from it.
 */
final class MemorySender {
    private final GuestMemory memory;
    private final ChunkMap dirtyLog;
    private final MemoryStreamWriter writer;
    private final byte[] pageHashes;
    private final byte[] buffer = new byte[GuestMemory.PAGE];
    private final MessageDigest sha = MemoryDigest.sha256();
    private long pagesSent;
    private long zeroPagesSent;

    MemorySender(GuestMemory memory, MemoryStreamWriter writer) {
        this.memory = memory;
        this.dirtyLog = memory.dirtyLog();
        this.writer = writer;
        this.pageHashes = new byte[memory.pageCount() * MemoryDigest.HASH];
        // The dirty log outlives migrations: what an earlier, failed attempt sent is not at this destination.
        for (int p = 0; p < memory.pageCount(); p++) {
            dirtyLog.invalidate(p);
        }
    }

    /**
     * Sends the page if it changed since it was last sent. The generation is read before the
     * bytes: a store racing with the copy leaves the page dirty for a later round.
     */
    boolean sendIfDirty(int page) throws IOException {
        if (!dirtyLog.isDirty(page)) {
            return false;
        }
        long generation = dirtyLog.generation(page);
        memory.copyPage(page, buffer);
        boolean zero = GuestMemory.isZero(buffer);
        if (zero) {
            writer.zero(page);
            zeroPagesSent++;
        } else {
            writer.page(page, buffer);
        }
        MemoryDigest.hashPage(sha, buffer, zero, pageHashes, page);
        dirtyLog.confirm(page, generation);
        pagesSent++;
        return true;
    }

    /**
     * Sends the pages dirty now, in page order, until {@code stop} says so.
     *
     * @return pages sent
     */
    long sendDirty(BooleanSupplier stop) throws IOException {
        BitSet dirty = dirtyLog.dirtyChunks();
        long sent = 0;
        for (int p = dirty.nextSetBit(0); p >= 0; p = dirty.nextSetBit(p + 1)) {
            if (stop.getAsBoolean()) {
                break;
            }
            if (sendIfDirty(p)) {
                sent++;
            }
        }
        return sent;
    }

    int dirtyPages() {
        return dirtyLog.dirtyCount();
    }

    /** The digest of the memory as sent, and {@code cpuState}; all pages must have been sent. */
    byte[] digest(byte[] cpuState) {
        if (dirtyLog.dirtyCount() != 0) {
            throw new IllegalStateException("digest taken with dirty pages left");
        }
        return MemoryDigest.of(pageHashes, cpuState);
    }

    long pagesSent() {
        return pagesSent;
    }

    long zeroPagesSent() {
        return zeroPagesSent;
    }
}
