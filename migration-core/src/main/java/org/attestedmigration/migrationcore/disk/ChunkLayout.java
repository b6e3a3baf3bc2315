package org.attestedmigration.migrationcore.disk;

/**
 * How an image of {@code imageSize} bytes is cut into fixed chunks of {@code chunkSize} bytes
 * (the last one may be shorter). Both sides of a migration must agree on it exactly.
 *
 * @param imageSize bytes in the image, positive
 * @param chunkSize bytes per chunk, a power of two between 4 KiB and 64 MiB
 */
public record ChunkLayout(long imageSize, int chunkSize) {
    /** The default chunk: large enough to amortise per-chunk costs, small enough to re-send. */
    public static final int DEFAULT_CHUNK_SIZE = 1 << 20;
    public static final int MIN_CHUNK_SIZE = 1 << 12;
    public static final int MAX_CHUNK_SIZE = 1 << 26;

    public ChunkLayout {
        if (imageSize <= 0) {
            throw new IllegalArgumentException("image size must be positive: " + imageSize);
        }
        if (Integer.bitCount(chunkSize) != 1 || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
            throw new IllegalArgumentException("chunk size must be a power of two in ["
                    + MIN_CHUNK_SIZE + ", " + MAX_CHUNK_SIZE + "]: " + chunkSize);
        }
        long chunks = (imageSize + chunkSize - 1) / chunkSize;
        if (chunks > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many chunks (" + chunks + "); use larger chunks");
        }
    }

    /** A layout with the default chunk size. */
    public static ChunkLayout of(long imageSize) {
        return new ChunkLayout(imageSize, DEFAULT_CHUNK_SIZE);
    }

    public int chunkCount() {
        return (int) ((imageSize + chunkSize - 1) / chunkSize);
    }

    public long offsetOf(int chunk) {
        checkIndex(chunk);
        return (long) chunk * chunkSize;
    }

    public int lengthOf(int chunk) {
        checkIndex(chunk);
        return (int) Math.min(chunkSize, imageSize - (long) chunk * chunkSize);
    }

    /** The chunk holding byte {@code offset}. */
    public int chunkAt(long offset) {
        if (offset < 0 || offset >= imageSize) {
            throw new IllegalArgumentException("offset outside image: " + offset);
        }
        return (int) (offset / chunkSize);
    }

    public void checkIndex(int chunk) {
        if (chunk < 0 || chunk >= chunkCount()) {
            throw new IndexOutOfBoundsException("chunk " + chunk + " of " + chunkCount());
        }
    }
}
