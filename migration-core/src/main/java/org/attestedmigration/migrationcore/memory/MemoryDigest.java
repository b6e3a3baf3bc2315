package org.attestedmigration.migrationcore.memory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The digest that proves the destination holds the source's memory and CPU state at pause:
 * SHA-256 over a label, the page count, every page's SHA-256 in page order, and the CPU state.
 * Hashing per page lets both sides hash each page as it is sent or received, so the pause only
 * hashes the page hashes (32 bytes a page) and the last dirty pages.
 */
final class MemoryDigest {
    static final int HASH = 32;
    private static final byte[] LABEL = "attested-migration memory v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ZERO_PAGE_HASH = sha256().digest(new byte[GuestMemory.PAGE]);

    private MemoryDigest() {
    }

    static byte[] of(byte[] pageHashes, byte[] cpuState) {
        MessageDigest sha = sha256();
        sha.update(LABEL);
        sha.update(ByteBuffer.allocate(4).putInt(pageHashes.length / HASH).array());
        sha.update(pageHashes);
        sha.update(ByteBuffer.allocate(4).putInt(cpuState.length).array());
        sha.update(cpuState);
        return sha.digest();
    }

    /** Stores the hash of {@code page}'s contents at its slot in {@code pageHashes}. */
    static void hashPage(MessageDigest sha, byte[] contents, boolean zero, byte[] pageHashes, int page) {
        if (zero) {
            System.arraycopy(ZERO_PAGE_HASH, 0, pageHashes, page * HASH, HASH);
            return;
        }
        sha.update(contents, 0, GuestMemory.PAGE);
        System.arraycopy(sha.digest(), 0, pageHashes, page * HASH, HASH);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
