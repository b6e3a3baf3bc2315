package org.attestedmigration.migrationcore.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntToLongFunction;

/**
 * The digest tree of an image as read back from storage, kept current by re-reading only the
 * chunks written since they were last hashed.
 *
 * <p>Why: comparing whole images at switchover must not mean hashing them in full while the VM
 * is paused. A first {@link #refresh()} reads everything while the VM still runs; the one inside
 * the pause re-reads the few chunks written since. Digests always come from the bytes on disk,
 * never from the bytes that were sent, so a destination image damaged after a chunk landed is
 * still caught, provided the damage happened before that chunk was last read back.
 *
 * <p>Write generations come from the image's owner ({@link ChunkMap#generation} on the source,
 * the receiver's own counter on the destination) and must be advanced after the written bytes
 * landed: a chunk read while a write is in flight then carries the old generation and is
 * re-read next time.
 */
public final class ImageDigests {
    private static final long NEVER = Long.MIN_VALUE;

    private final DiskImage image;
    private final ChunkLayout layout;
    private final IntToLongFunction generation;
    private final byte[][] leaves;
    private final AtomicLongArray hashedAt;
    private int lastRefreshed;

    public ImageDigests(DiskImage image, ChunkLayout layout, IntToLongFunction generation) {
        this.image = Objects.requireNonNull(image, "image");
        this.layout = Objects.requireNonNull(layout, "layout");
        this.generation = Objects.requireNonNull(generation, "generation");
        if (image.size() != layout.imageSize()) {
            throw new IllegalArgumentException("image has " + image.size() + " bytes, layout " + layout.imageSize());
        }
        this.leaves = new byte[layout.chunkCount()][];
        this.hashedAt = new AtomicLongArray(layout.chunkCount());
        for (int i = 0; i < layout.chunkCount(); i++) {
            hashedAt.set(i, NEVER);
        }
    }

    /** Re-reads and hashes every chunk written since it was last hashed, then returns the whole tree. */
    public synchronized DigestTree refresh() throws IOException {
        ByteBuffer buf = null;
        int count = 0;
        for (int i = 0; i < layout.chunkCount(); i++) {
            long gen = generation.applyAsLong(i);
            if (hashedAt.get(i) == gen) {
                continue;
            }
            if (buf == null) {
                buf = ByteBuffer.allocateDirect(layout.chunkSize());
            }
            buf.clear().limit(layout.lengthOf(i));
            image.read(layout.offsetOf(i), buf);
            buf.flip();
            leaves[i] = DigestTree.chunkDigest(buf);
            hashedAt.set(i, gen);
            count++;
        }
        lastRefreshed = count;
        return DigestTree.of(layout, Arrays.asList(leaves));
    }

    /** Forgets every digest, so the next refresh reads the whole image again. */
    public void invalidateAll() {
        for (int i = 0; i < layout.chunkCount(); i++) {
            hashedAt.set(i, NEVER);
        }
    }

    /** How many chunks the last {@link #refresh()} had to read. */
    public synchronized int lastRefreshedChunks() {
        return lastRefreshed;
    }

    public ChunkLayout layout() {
        return layout;
    }
}
