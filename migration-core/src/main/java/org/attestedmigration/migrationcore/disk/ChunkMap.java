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
 *
 * <p><b>Written ranges (sub-chunk transfers).</b> Per chunk the map also keeps the byte range
 * written since a sender last took it ({@link #takeWrittenRange}). A chunk the peer already holds
 * at an earlier version is brought up to date by sending only that range. Orders:
 * <ul>
 * <li>writer: bytes land, then the range widens, then the generation is bumped ({@link #markWritten});
 * <li>sender: reads the generation g, then takes (and empties) the range R, then reads the bytes
 *     of R, sends them, and confirms g on the acknowledgement.
 * </ul>
 * Why no write is lost, for a write W to the chunk: if W's range was widened before the sender took
 * R, W is in R (or in an earlier range whose transfer read its bytes later still), and its bytes,
 * which landed before the widening, are in what the sender reads. If the widening came after the
 * take, then so did W's generation bump, which therefore also came after the sender read g: the
 * chunk stays dirty after g is confirmed, and W's range waits for the next transfer. (Bumping
 * before widening would break this: g could count W while R misses it.) Hence a dirty chunk whose
 * taken range is empty needs no bytes at all, provided the earlier transfers were acknowledged.
 * That is what the sender must guarantee: at most one transfer per chunk in flight, the range of a
 * transfer that was not acknowledged put back ({@link #restoreWrittenRange}), and only a chunk the
 * peer holds ({@link #confirmedGeneration} not -1) sent as a range; one it never got, or lost
 * ({@link #invalidate}), goes whole. Call {@link #invalidate} only while no transfer of the chunk is
 * in flight (an acknowledgement arriving afterwards would confirm it again).
 */
public final class ChunkMap {
    /** Confirmed generation of a chunk the peer has never received. */
    private static final long NEVER = -1L;

    private final ChunkLayout layout;
    private final AtomicLongArray written;
    private final AtomicLongArray confirmed;
    private final WrittenRanges ranges;

    public ChunkMap(ChunkLayout layout) {
        this.layout = Objects.requireNonNull(layout, "layout");
        this.written = new AtomicLongArray(layout.chunkCount());
        this.confirmed = new AtomicLongArray(layout.chunkCount());
        for (int i = 0; i < layout.chunkCount(); i++) {
            confirmed.set(i, NEVER);
        }
        this.ranges = new WrittenRanges(layout);
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
        // Range first, generation second: see the class comment.
        ranges.written(offset, length);
        int first = layout.chunkAt(offset);
        int last = layout.chunkAt(offset + length - 1);
        for (int i = first; i <= last; i++) {
            written.incrementAndGet(i);
        }
    }

    /**
     * The byte range of {@code chunk} written since the last call (the whole chunk before the
     * first), leaving it empty. A sender calls it right after reading the generation.
     */
    public ChunkRange takeWrittenRange(int chunk) {
        layout.checkIndex(chunk);
        return ranges.take(chunk);
    }

    /** Puts back the range of a transfer that was not acknowledged, so a later transfer sends it. */
    public void restoreWrittenRange(int chunk, ChunkRange range) {
        layout.checkIndex(chunk);
        ranges.restore(chunk, range);
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

    /** True if the peer holds some version of the chunk (confirmed, and not invalidated since). */
    public boolean peerHolds(int chunk) {
        return confirmedGeneration(chunk) != NEVER;
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
        ranges.all(chunk);
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
