package org.attestedmigration.migrationcore.disk;

/**
 * A byte range inside one chunk, {@code [start, end)} relative to the chunk's first byte; empty
 * when {@code start >= end}.
 */
public record ChunkRange(int start, int end) {
    public static final ChunkRange EMPTY = new ChunkRange(Integer.MAX_VALUE, 0);

    public boolean isEmpty() {
        return start >= end;
    }

    public int length() {
        return isEmpty() ? 0 : end - start;
    }

    /** True if the range covers all {@code chunkLength} bytes of its chunk. */
    public boolean coversAll(int chunkLength) {
        return start <= 0 && end >= chunkLength;
    }
}
