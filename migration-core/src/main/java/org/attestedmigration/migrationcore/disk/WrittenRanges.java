package org.attestedmigration.migrationcore.disk;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Per chunk, the smallest byte range covering every write since the range was last taken, so that
 * a chunk the peer already holds can be brought up to date by sending only that range.
 *
 * <p>Lock-free: a range is one long (start in the high 32 bits, end in the low 32), widened by
 * compare-and-set and taken (read and emptied) by one atomic swap, so a write is either in the
 * range a sender takes or in the one left behind, never lost between the two.
 */
final class WrittenRanges {
    private static final long EMPTY = encode(ChunkRange.EMPTY.start(), ChunkRange.EMPTY.end());

    private final AtomicLongArray ranges;
    private final ChunkLayout layout;

    WrittenRanges(ChunkLayout layout) {
        this.layout = layout;
        this.ranges = new AtomicLongArray(layout.chunkCount());
        for (int i = 0; i < layout.chunkCount(); i++) {
            ranges.set(i, encode(0, layout.lengthOf(i)));
        }
    }

    /** Widens the range of every chunk that {@code [offset, offset+length)} touches. */
    void written(long offset, long length) {
        int first = layout.chunkAt(offset);
        int last = layout.chunkAt(offset + length - 1);
        for (int i = first; i <= last; i++) {
            long chunkStart = layout.offsetOf(i);
            int start = (int) Math.max(0, offset - chunkStart);
            int end = (int) Math.min(layout.lengthOf(i), offset + length - chunkStart);
            widen(i, start, end);
        }
    }

    /** The whole chunk must go again (the peer lost it, or never had it). */
    void all(int chunk) {
        ranges.set(chunk, encode(0, layout.lengthOf(chunk)));
    }

    /** Puts back a range taken by a transfer that did not complete. */
    void restore(int chunk, ChunkRange range) {
        if (!range.isEmpty()) {
            widen(chunk, range.start(), range.end());
        }
    }

    /** Returns the range and leaves it empty, atomically. */
    ChunkRange take(int chunk) {
        long r = ranges.getAndSet(chunk, EMPTY);
        return new ChunkRange((int) (r >>> 32), (int) r);
    }

    private void widen(int chunk, int start, int end) {
        long prev;
        long next;
        do {
            prev = ranges.get(chunk);
            next = encode(Math.min(start, (int) (prev >>> 32)), Math.max(end, (int) prev));
        } while (prev != next && !ranges.compareAndSet(chunk, prev, next));
    }

    private static long encode(int start, int end) {
        return ((long) start << 32) | (end & 0xffffffffL);
    }
}
