package org.attestedmigration.migrationcore.memory;

import java.security.MessageDigest;
import java.util.Arrays;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.ChunkMap;
import org.attestedmigration.migrationcore.hypervisor.VmSpec;

/**
 * A guest's memory: {@code pageCount} pages of 4 KiB in one array, and a dirty log with the disk
 * {@link ChunkMap}'s "dirty since sent" semantics (one chunk per page): writers store the bytes,
 * then mark the page; a sender reads the page's generation, then its bytes.
 *
 * <p>Pages are read while the guest writes them; a torn copy is harmless because its page is
 * marked again after the write and is sent again.
 */
public final class GuestMemory {
    static final int PAGE = VmSpec.PAGE_SIZE;
    private static final byte[] ZERO_PAGE = new byte[PAGE];

    private final int pageCount;
    private byte[] bytes;
    private final ChunkMap dirtyLog;

    public GuestMemory(int pageCount) {
        if (pageCount < 1 || (long) pageCount * PAGE > VmSpec.MAX_MEMORY_BYTES) {
            throw new IllegalArgumentException("page count out of range: " + pageCount);
        }
        this.pageCount = pageCount;
        this.bytes = new byte[pageCount * PAGE];
        this.dirtyLog = new ChunkMap(new ChunkLayout((long) pageCount * PAGE, PAGE));
    }

    public int pageCount() {
        return pageCount;
    }

    /** Which pages changed since they were last sent; every page starts out dirty. */
    ChunkMap dirtyLog() {
        return dirtyLog;
    }

    /** A guest store of 8 bytes inside a page; marks the page after the bytes landed. */
    void store(int page, int offsetInPage, long value) {
        int at = checked(page) * PAGE + (offsetInPage & (PAGE - 8));
        byte[] b = bytes;
        for (int i = 0; i < 8; i++) {
            b[at + i] = (byte) (value >>> (56 - 8 * i));
        }
        dirtyLog.markWritten((long) page * PAGE, 8);
    }

    /** Fills a page with pseudo-random bytes derived from {@code seed} (initial contents). */
    void fill(int page, long seed) {
        int at = checked(page) * PAGE;
        long x = seed | 1;
        for (int i = 0; i < PAGE; i += 8) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            for (int k = 0; k < 8; k++) {
                bytes[at + i + k] = (byte) (x >>> (8 * k));
            }
        }
        dirtyLog.markWritten((long) page * PAGE, PAGE);
    }

    void copyPage(int page, byte[] into) {
        System.arraycopy(bytes, checked(page) * PAGE, into, 0, PAGE);
    }

    /** Destination: the page's contents from the stream (no dirty marking: nobody sends them on). */
    void putPage(int page, byte[] from) {
        System.arraycopy(from, 0, bytes, checked(page) * PAGE, PAGE);
    }

    void zeroPage(int page) {
        Arrays.fill(bytes, checked(page) * PAGE, (page + 1) * PAGE, (byte) 0);
    }

    static boolean isZero(byte[] page) {
        return Arrays.equals(page, ZERO_PAGE);
    }

    /** SHA-256 of each page, concatenated: the input of {@link MemoryDigest}. Reads every page. */
    byte[] pageHashes() {
        MessageDigest sha = MemoryDigest.sha256();
        byte[] out = new byte[pageCount * MemoryDigest.HASH];
        for (int p = 0; p < pageCount; p++) {
            sha.update(bytes, checked(p) * PAGE, PAGE);
            System.arraycopy(sha.digest(), 0, out, p * MemoryDigest.HASH, MemoryDigest.HASH);
        }
        return out;
    }

    /** Drops the contents; any later access fails. */
    void release() {
        bytes = null;
    }

    private int checked(int page) {
        if (page < 0 || page >= pageCount) {
            throw new IndexOutOfBoundsException("page " + page + " of " + pageCount);
        }
        if (bytes == null) {
            throw new IllegalStateException("guest memory was released");
        }
        return page;
    }
}
