package org.attestedmigration.migrationcore.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * SHA-256 of every chunk of an image and a Merkle root over them, so two sides can agree on a
 * whole image by comparing 32 bytes and, when they differ, name the differing chunks.
 *
 * <p>Leaves and inner nodes are hashed with different one-byte prefixes, so no chunk's contents
 * can be passed off as an inner node. An odd node at the end of a level moves up unchanged.
 */
public final class DigestTree {
    public static final int DIGEST_LENGTH = 32;
    private static final byte LEAF = 0;
    private static final byte NODE = 1;
    private static final int ENCODING_VERSION = 1;

    private final ChunkLayout layout;
    private final byte[] leaves;
    private final byte[] root;

    private DigestTree(ChunkLayout layout, byte[] leaves) {
        this.layout = layout;
        this.leaves = leaves;
        this.root = merkleRoot(leaves, layout.chunkCount());
    }

    /** Reads the whole image and hashes every chunk. */
    public static DigestTree compute(DiskImage image, ChunkLayout layout) throws IOException {
        if (image.size() != layout.imageSize()) {
            throw new IllegalArgumentException("image has " + image.size() + " bytes, layout "
                    + layout.imageSize());
        }
        byte[] leaves = new byte[layout.chunkCount() * DIGEST_LENGTH];
        ByteBuffer buf = ByteBuffer.allocateDirect(layout.chunkSize());
        MessageDigest sha = sha256();
        for (int i = 0; i < layout.chunkCount(); i++) {
            buf.clear().limit(layout.lengthOf(i));
            image.read(layout.offsetOf(i), buf);
            buf.flip();
            System.arraycopy(chunkDigest(sha, buf), 0, leaves, i * DIGEST_LENGTH, DIGEST_LENGTH);
        }
        return new DigestTree(layout, leaves);
    }

    /** A tree from already known chunk digests, in chunk order. */
    public static DigestTree of(ChunkLayout layout, List<byte[]> chunkDigests) {
        if (chunkDigests.size() != layout.chunkCount()) {
            throw new IllegalArgumentException(chunkDigests.size() + " digests for "
                    + layout.chunkCount() + " chunks");
        }
        byte[] leaves = new byte[layout.chunkCount() * DIGEST_LENGTH];
        for (int i = 0; i < chunkDigests.size(); i++) {
            byte[] d = chunkDigests.get(i);
            if (d.length != DIGEST_LENGTH) {
                throw new IllegalArgumentException("digest " + i + " has " + d.length + " bytes");
            }
            System.arraycopy(d, 0, leaves, i * DIGEST_LENGTH, DIGEST_LENGTH);
        }
        return new DigestTree(layout, leaves);
    }

    /** The digest of one chunk's bytes (all remaining bytes of {@code data}, which is not consumed). */
    public static byte[] chunkDigest(ByteBuffer data) {
        return chunkDigest(sha256(), data);
    }

    private static byte[] chunkDigest(MessageDigest sha, ByteBuffer data) {
        sha.reset();
        sha.update(LEAF);
        sha.update(data.duplicate());
        return sha.digest();
    }

    public ChunkLayout layout() {
        return layout;
    }

    public byte[] root() {
        return root.clone();
    }

    public byte[] leaf(int chunk) {
        layout.checkIndex(chunk);
        return Arrays.copyOfRange(leaves, chunk * DIGEST_LENGTH, (chunk + 1) * DIGEST_LENGTH);
    }

    /**
     * The chunks whose digests differ, in ascending order; empty if the images are equal.
     *
     * @throws IllegalArgumentException if the trees describe differently cut images, which
     *     cannot be compared chunk by chunk
     */
    public List<Integer> differingChunks(DigestTree other) {
        if (!layout.equals(other.layout)) {
            throw new IllegalArgumentException("layouts differ: " + layout + " vs " + other.layout);
        }
        List<Integer> out = new ArrayList<>();
        if (MessageDigest.isEqual(root, other.root)) {
            return out;
        }
        for (int i = 0; i < layout.chunkCount(); i++) {
            if (!Arrays.equals(leaves, i * DIGEST_LENGTH, (i + 1) * DIGEST_LENGTH,
                    other.leaves, i * DIGEST_LENGTH, (i + 1) * DIGEST_LENGTH)) {
                out.add(i);
            }
        }
        return out;
    }

    /** A self-describing encoding for sending the tree to a peer. */
    public byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(4 + 8 + 4 + leaves.length);
        out.putInt(ENCODING_VERSION).putLong(layout.imageSize()).putInt(layout.chunkSize()).put(leaves);
        return out.array();
    }

    /** Decodes {@link #encode()}; a malformed encoding is an {@link IllegalArgumentException}. */
    public static DigestTree decode(byte[] encoded) {
        Objects.requireNonNull(encoded, "encoded");
        if (encoded.length < 16) {
            throw new IllegalArgumentException("digest tree encoding too short: " + encoded.length);
        }
        ByteBuffer in = ByteBuffer.wrap(encoded);
        int version = in.getInt();
        if (version != ENCODING_VERSION) {
            throw new IllegalArgumentException("unknown digest tree encoding version " + version);
        }
        ChunkLayout layout = new ChunkLayout(in.getLong(), in.getInt());
        if (in.remaining() != (long) layout.chunkCount() * DIGEST_LENGTH) {
            throw new IllegalArgumentException("digest tree encoding has " + in.remaining()
                    + " digest bytes for " + layout.chunkCount() + " chunks");
        }
        byte[] leaves = new byte[in.remaining()];
        in.get(leaves);
        return new DigestTree(layout, leaves);
    }

    private static byte[] merkleRoot(byte[] leaves, int count) {
        List<byte[]> level = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            level.add(Arrays.copyOfRange(leaves, i * DIGEST_LENGTH, (i + 1) * DIGEST_LENGTH));
        }
        MessageDigest sha = sha256();
        while (level.size() > 1) {
            List<byte[]> up = new ArrayList<>((level.size() + 1) / 2);
            for (int i = 0; i + 1 < level.size(); i += 2) {
                sha.reset();
                sha.update(NODE);
                sha.update(level.get(i));
                sha.update(level.get(i + 1));
                up.add(sha.digest());
            }
            if (level.size() % 2 == 1) {
                up.add(level.get(level.size() - 1));
            }
            level = up;
        }
        return level.get(0);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JDK", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DigestTree t && layout.equals(t.layout) && Arrays.equals(leaves, t.leaves);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(root);
    }
}
