package org.attestedmigration.migrationcore.transport;

import java.nio.ByteBuffer;

/** Whether a buffer holds only zero bytes, compared in vectorized runs against a shared zero block. */
final class ZeroBytes {
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

    private ZeroBytes() {
    }

    /** True if every remaining byte of {@code bytes} is zero; {@code bytes} is not consumed. */
    static boolean all(ByteBuffer bytes) {
        ByteBuffer b = bytes.duplicate();
        while (b.hasRemaining()) {
            int n = Math.min(b.remaining(), ZEROS.capacity());
            ByteBuffer piece = b.slice().limit(n);
            if (piece.mismatch(ZEROS.duplicate().limit(n)) != -1) {
                return false;
            }
            b.position(b.position() + n);
        }
        return true;
    }
}
