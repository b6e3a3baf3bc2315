package org.attestedmigration.migrationcore.replication;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The bytes of one transfer, read from the source image by the transport straight into the buffer
 * it sends from: one copy from the page cache to the wire's buffer, no intermediate array.
 *
 * <p>The sender reads the chunk's generation before it hands the payload over, so reading the
 * bytes at any later moment is safe: a write landing in between bumps the generation and leaves
 * the chunk dirty.
 */
public interface ChunkPayload {
    /** Bytes this payload fills. */
    int length();

    /** Fills exactly {@link #length()} bytes of {@code dst} (from its position); called at most once. */
    void readInto(ByteBuffer dst) throws IOException;

    /** A payload of bytes already in memory (tests, in-process links). */
    static ChunkPayload of(ByteBuffer bytes) {
        ByteBuffer own = bytes.duplicate();
        return new ChunkPayload() {
            @Override
            public int length() {
                return own.remaining();
            }

            @Override
            public void readInto(ByteBuffer dst) {
                dst.put(own.duplicate());
            }
        };
    }

    /** Reads this payload into a new heap buffer, flipped for reading. */
    default ByteBuffer readAll() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length());
        readInto(b);
        return b.flip();
    }
}
