package org.attestedmigration.migrationcore.replication;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.attestedmigration.migrationcore.disk.ChunkLayout;

/**
 * One side's replication journal: a small file rewritten atomically (temporary file, fsync,
 * rename, fsync of the directory), so after a crash it holds either the previous or the new
 * state, never a mix.
 *
 * <p>Format, big-endian: magic {@code "AMRJ"}, u16 version (1), u8 phase ordinal, u64 image
 * size, u32 chunk size, u32 bitmap length, the bitmap ({@link BitSet#toByteArray()}: chunk i is
 * bit i%8 of byte i/8), then a CRC-32C of everything before it. A rewrite costs one bit per
 * chunk: 128 KiB for a 1 TiB image in 1 MiB chunks.
 */
public final class ReplicationJournal {
    private static final int MAGIC = 0x414d524a;
    private static final short VERSION = 1;
    private static final int HEADER = 4 + 2 + 1 + 8 + 4 + 4;

    private final Path file;

    public ReplicationJournal(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    public Path file() {
        return file;
    }

    /**
     * The saved state, or empty if there is no journal yet.
     *
     * @throws JournalCorruptException if the file is not an intact journal
     */
    public Optional<JournalState> load() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (bytes.length < HEADER + 4) {
            throw new JournalCorruptException(file + ": too short (" + bytes.length + " bytes)");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        if ((int) crc.getValue() != in.getInt(bytes.length - 4)) {
            throw new JournalCorruptException(file + ": checksum mismatch");
        }
        if (in.getInt() != MAGIC) {
            throw new JournalCorruptException(file + ": not a replication journal");
        }
        short version = in.getShort();
        if (version != VERSION) {
            throw new JournalCorruptException(file + ": unsupported version " + version);
        }
        int phase = in.get();
        if (phase < 0 || phase >= ReplicationPhase.values().length) {
            throw new JournalCorruptException(file + ": unknown phase " + phase);
        }
        ChunkLayout layout;
        try {
            layout = new ChunkLayout(in.getLong(), in.getInt());
        } catch (IllegalArgumentException e) {
            throw new JournalCorruptException(file + ": " + e.getMessage());
        }
        int bitmapLength = in.getInt();
        if (bitmapLength < 0 || bitmapLength != in.remaining() - 4
                || bitmapLength > (layout.chunkCount() + 7) / 8) {
            throw new JournalCorruptException(file + ": bitmap length " + bitmapLength + " inconsistent");
        }
        byte[] bitmap = new byte[bitmapLength];
        in.get(bitmap);
        BitSet confirmed = BitSet.valueOf(bitmap);
        if (confirmed.length() > layout.chunkCount()) {
            throw new JournalCorruptException(file + ": confirmed chunk beyond the image");
        }
        return Optional.of(new JournalState(ReplicationPhase.values()[phase], layout, confirmed));
    }

    /** Replaces the journal with {@code state}, durably. */
    public void save(JournalState state) throws IOException {
        byte[] bitmap = state.confirmed().toByteArray();
        ByteBuffer out = ByteBuffer.allocate(HEADER + bitmap.length + 4);
        out.putInt(MAGIC).putShort(VERSION).put((byte) state.phase().ordinal())
                .putLong(state.layout().imageSize()).putInt(state.layout().chunkSize())
                .putInt(bitmap.length).put(bitmap);
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue()).flip();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("journal directory does not support atomic rename: " + file.getParent(), e);
        }
        syncDirectory(file.toAbsolutePath().getParent());
    }

    /** Removes the journal once a replication completed or was abandoned. */
    public void delete() throws IOException {
        Files.deleteIfExists(file);
    }

    private static void syncDirectory(Path dir) {
        // The rename is only durable once the directory is; not every platform can open one.
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Best effort: Linux supports it, and a lost rename leaves the older valid journal.
        }
    }
}
