package org.attestedmigration.migrationcore.disk;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * A raw disk image file with positional, thread-safe reads and writes.
 *
 * <p>The size is fixed when the image is opened: a raw image that grew or shrank under us would
 * invalidate every chunk index, so every access is checked against the opening size and an
 * out-of-range access is refused rather than silently extending the file.
 *
 * <p>Never interrupt a thread while it reads or writes an image: {@link FileChannel} closes
 * itself on interrupt, which would take the disk away from every user of this image.
 */
public final class DiskImage implements Closeable {
    private static final int ZERO_BUFFER = 1 << 20;

    private final Path path;
    private final FileChannel channel;
    private final long size;
    private final boolean readOnly;

    private DiskImage(Path path, FileChannel channel, long size, boolean readOnly) {
        this.path = path;
        this.channel = channel;
        this.size = size;
        this.readOnly = readOnly;
    }

    /** Opens an existing raw image, read-write unless {@code readOnly}. */
    public static DiskImage open(Path path, boolean readOnly) throws IOException {
        Objects.requireNonNull(path, "path");
        FileChannel ch = readOnly
                ? FileChannel.open(path, StandardOpenOption.READ)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new DiskImage(path, ch, ch.size(), readOnly);
    }

    /** Creates a new sparse (all-zero) raw image of {@code size} bytes; fails if the file exists. */
    public static DiskImage create(Path path, long size) throws IOException {
        if (size <= 0) {
            throw new IllegalArgumentException("image size must be positive: " + size);
        }
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            // Writing the last byte makes the file sparse at its full size on every file system.
            ch.write(ByteBuffer.wrap(new byte[1]), size - 1);
        } catch (IOException e) {
            ch.close();
            Files.deleteIfExists(path);
            throw e;
        }
        return new DiskImage(path, ch, size, false);
    }

    public Path path() {
        return path;
    }

    public long size() {
        return size;
    }

    public boolean readOnly() {
        return readOnly;
    }

    /** Fills {@code dst} (all its remaining bytes) from {@code offset}. */
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        long pos = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                // The file was truncated behind our back: report it, never return stale bytes.
                throw new IOException("image " + path + " shorter than its opening size at " + pos);
            }
            pos += n;
        }
    }

    /** Writes all remaining bytes of {@code src} at {@code offset}. */
    public void write(long offset, ByteBuffer src) throws IOException {
        checkWritable();
        checkRange(offset, src.remaining());
        long pos = offset;
        while (src.hasRemaining()) {
            pos += channel.write(src, pos);
        }
    }

    /** Writes {@code length} zero bytes at {@code offset}. */
    public void writeZeroes(long offset, long length) throws IOException {
        checkWritable();
        checkRange(offset, length);
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(ZERO_BUFFER, Math.max(1, length)));
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), end - pos));
            while (zeros.hasRemaining()) {
                pos += channel.write(zeros, pos);
            }
        }
    }

    /** Makes every completed write durable (fsync of data; metadata is fixed for a raw image). */
    public void flush() throws IOException {
        channel.force(false);
    }

    /** True if {@code [offset, offset+length)} lies inside the image. */
    public boolean contains(long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= size && length <= size - offset;
    }

    private void checkRange(long offset, long length) {
        if (!contains(offset, length)) {
            throw new IllegalArgumentException("range [" + offset + ", +" + length
                    + ") outside image of " + size + " bytes");
        }
    }

    private void checkWritable() throws IOException {
        if (readOnly) {
            throw new IOException("image " + path + " is open read-only");
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
