package org.attestedmigration.migrationcore.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;
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
 * <p>A chunk's bytes read for another purpose (the source reading it to send) may be
 * {@linkplain #offer offered}: they are the bytes on disk at the generation read before them,
 * so hashing them spares reading the chunk again.
 *
 * <p>Write generations come from the image's owner ({@link ChunkMap#generation} on the source,
 * the receiver's own counter on the destination) and must be advanced after the written bytes
 * landed: a chunk read while a write is in flight then carries the old generation and is
 * re-read next time.
 */
public final class ImageDigests {
    /** A chunk's digest and the write generation its bytes had: replaced whole, never mixed. */
    private record Hashed(byte[] leaf, long generation) {
    }

    private final DiskImage image;
    private final ChunkLayout layout;
    private final IntToLongFunction generation;
    private final AtomicReferenceArray<Hashed> hashed;
    private int lastRefreshed;

    public ImageDigests(DiskImage image, ChunkLayout layout, IntToLongFunction generation) {
        this.image = Objects.requireNonNull(image, "image");
        this.layout = Objects.requireNonNull(layout, "layout");
        this.generation = Objects.requireNonNull(generation, "generation");
        if (image.size() != layout.imageSize()) {
            throw new IllegalArgumentException("image has " + image.size() + " bytes, layout " + layout.imageSize());
        }
        this.hashed = new AtomicReferenceArray<>(layout.chunkCount());
    }

    /** Re-reads and hashes every chunk written since it was last hashed, then returns the whole tree. */
    public synchronized DigestTree refresh() throws IOException {
        return DigestTree.of(layout, catchUp());
    }

    /** Like {@link #refresh()} without building the tree: to keep the digests warm in the background. */
    public synchronized void refreshLeaves() throws IOException {
        catchUp();
    }

    private List<byte[]> catchUp() throws IOException {
        ByteBuffer buf = null;
        int count = 0;
        List<byte[]> leaves = new ArrayList<>(layout.chunkCount());
        for (int i = 0; i < layout.chunkCount(); i++) {
            long gen = generation.applyAsLong(i);
            Hashed h = hashed.get(i);
            if (h == null || h.generation() != gen) {
                if (buf == null) {
                    buf = ByteBuffer.allocateDirect(layout.chunkSize());
                }
                buf.clear().limit(layout.lengthOf(i));
                image.read(layout.offsetOf(i), buf);
                buf.flip();
                h = new Hashed(DigestTree.chunkDigest(buf), gen);
                hashed.set(i, h);
                count++;
            }
            leaves.add(h.leaf());
        }
        lastRefreshed = count;
        return leaves;
    }

    /**
     * Takes the digest of a whole chunk's bytes read from the image after its generation was
     * read as {@code generationBefore}; {@code bytes} is not consumed. Safe from any thread, also
     * while a refresh runs: either result is a true pair of digest and generation.
     */
    public void offer(int chunk, long generationBefore, ByteBuffer bytes) {
        layout.checkIndex(chunk);
        if (bytes.remaining() != layout.lengthOf(chunk)) {
            throw new IllegalArgumentException("chunk " + chunk + " has " + layout.lengthOf(chunk) + " bytes, offered " + bytes.remaining());
        }
        hashed.set(chunk, new Hashed(DigestTree.chunkDigest(bytes), generationBefore));
    }

    /** How many chunks the next refresh would have to read: written since hashed, or never hashed. */
    public int staleChunks() {
        int stale = 0;
        for (int i = 0; i < layout.chunkCount(); i++) {
            Hashed h = hashed.get(i);
            if (h == null || h.generation() != generation.applyAsLong(i)) {
                stale++;
            }
        }
        return stale;
    }

    /** How many chunks the last {@link #refresh()} had to read. */
    public synchronized int lastRefreshedChunks() {
        return lastRefreshed;
    }

    public ChunkLayout layout() {
        return layout;
    }
}
