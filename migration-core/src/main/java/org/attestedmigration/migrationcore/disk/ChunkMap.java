package org.attestedmigration.migrationcore.disk;

import java.util.BitSet;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Thread-safe dirty tracking of an image's chunks by generation counters.
 *
 * <p>Each chunk has a write generation, bumped by every write that touches it, and a confirmed
 * generation: the write generation the peer is known to hold. A chunk is dirty while the two
 * differ. A sender reads the generation <em>before</em> it reads the chunk's bytes and confirms
 * that generation once the peer acknowledged them; a write that lands during the transfer bumps
 * the generation past the sent one, so the chunk stays dirty without any locking.
 *
 * <p>That argument needs one ordering from writers: {@link #markWritten} is called after the
 * bytes are in the image (and before the write is acknowledged). A mark made before the data
 * landed could let a sender read the new generation with the old bytes and lose the write.
 */
public final class ChunkMap {
    /** Confirmed generation of a chunk the peer has never received. */
    private static final long NEVER = -1L;

    private final ChunkLayout layout;
    private final AtomicLongArray written;
    private final AtomicLongArray confirmed;

    public ChunkMap(ChunkLayout layout) {
        this.layout = Objects.requireNonNull(layout, "layout");
        this.written = new AtomicLongArray(layout.chunkCount());
        this.confirmed = new AtomicLongArray(layout.chunkCount());
        for (int i = 0; i < layout.chunkCount(); i++) {
            confirmed.set(i, NEVER);
        }
    }

    public ChunkLayout layout() {
        return layout;
    }

    /** Records a completed write of {@code [offset, offset+length)}; call after the bytes landed. */
    public void markWritten(long offset, long length) {
        if (length <= 0) {
            return;
        }
        if (offset < 0 || offset >= layout.imageSize() || length > layout.imageSize() - offset) {
            throw new IllegalArgumentException("write [" + offset + ", +" + length + ") outside image");
        }
        int first = layout.chunkAt(offset);
        int last = layout.chunkAt(offset + length - 1);
        for (int i = first; i <= last; i++) {
            written.incrementAndGet(i);
        }
    }

    /** The chunk's write generation; read it before reading the bytes to send. */
    public long generation(int chunk) {
        layout.checkIndex(chunk);
        return written.get(chunk);
    }

    /** The newest generation the peer acknowledged, or -1 if it never got the chunk. */
    public long confirmedGeneration(int chunk) {
        layout.checkIndex(chunk);
        return confirmed.get(chunk);
    }

    /**
     * Records that the peer holds the chunk as of {@code generation}. Acknowledgements may arrive
     * out of order, so an older one never lowers the confirmed generation.
     *
     * @return true if the chunk is clean afterwards
     */
    public boolean confirm(int chunk, long generation) {
        layout.checkIndex(chunk);
        confirmed.accumulateAndGet(chunk, generation, Math::max);
        return !isDirty(chunk);
    }

    /** Forgets that the peer holds the chunk (it lost it, or its copy failed verification). */
    public void invalidate(int chunk) {
        layout.checkIndex(chunk);
        confirmed.set(chunk, NEVER);
    }

    /**
     * Marks the given chunks as held by the peer, from a journal. Only chunks this map has never
     * seen written nor confirmed are restored: a chunk written since the map was created may
     * differ from what the journal's peer holds, and one already confirmed here is known better.
     */
    public void restoreConfirmed(BitSet chunks) {
        for (int i = chunks.nextSetBit(0); i >= 0 && i < layout.chunkCount(); i = chunks.nextSetBit(i + 1)) {
            confirmed.compareAndSet(i, NEVER, written.get(i) == 0 ? 0 : NEVER);
        }
    }

    public boolean isDirty(int chunk) {
        layout.checkIndex(chunk);
        return confirmed.get(chunk) != written.get(chunk);
    }

    /** A snapshot of the dirty chunks (never sent, or written since their last confirmed send). */
    public BitSet dirtyChunks() {
        BitSet out = new BitSet(layout.chunkCount());
        for (int i = 0; i < layout.chunkCount(); i++) {
            if (isDirty(i)) {
                out.set(i);
            }
        }
        return out;
    }

    /** A snapshot of the chunks the peer holds at their current generation. */
    public BitSet cleanChunks() {
        BitSet out = dirtyChunks();
        out.flip(0, layout.chunkCount());
        return out;
    }

    public int dirtyCount() {
        int n = 0;
        for (int i = 0; i < layout.chunkCount(); i++) {
            if (isDirty(i)) {
                n++;
            }
        }
        return n;
    }

    /** Bytes in the dirty chunks (the last chunk counts its real length). */
    public long dirtyBytes() {
        long n = 0;
        for (int i = 0; i < layout.chunkCount(); i++) {
            if (isDirty(i)) {
                n += layout.lengthOf(i);
            }
        }
        return n;
    }
}
