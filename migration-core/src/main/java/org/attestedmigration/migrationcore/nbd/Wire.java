package org.attestedmigration.migrationcore.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;

/** Blocking whole-buffer reads and writes on a socket channel. */
final class Wire {
    private Wire() {
    }

    static ByteBuffer readFully(ByteChannel ch, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        readFully(ch, b);
        return b.flip();
    }

    static void readFully(ByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new EOFException("peer closed the connection");
            }
        }
    }

    static void writeFully(ByteChannel ch, ByteBuffer... bufs) throws IOException {
        for (ByteBuffer b : bufs) {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
    }

    /** Reads and drops {@code length} bytes, so a refused request leaves the stream in step. */
    static void skip(ByteChannel ch, long length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(length, 1 << 16));
        long left = length;
        while (left > 0) {
            b.clear().limit((int) Math.min(b.capacity(), left));
            readFully(ch, b);
            left -= b.limit();
        }
    }
}
