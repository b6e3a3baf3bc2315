package org.attestedmigration.migrationcore.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.util.ArrayDeque;

/**
 * Cuts the bytes of a replication stream, as they arrive in frames, into {@link ChunkWire}
 * messages without copying payloads: a payload is a slice (or a composite of slices) of the
 * received buffers. A length above {@link ChunkWire#MAX_PAYLOAD} is refused as soon as the header
 * is read, before anything of it is buffered. Not thread-safe: one stream's reader uses it.
 */
final class ChunkMessageDecoder {
    /** One message; the receiver owns (and releases) {@code payload}. */
    record Message(int type, int id, ByteBuf payload) {
        /** Header and payload: what the message took on the stream. */
        int wireBytes() {
            return ChunkWire.HEADER + payload.readableBytes();
        }
    }

    /** Receives decoded messages. */
    interface Sink {
        void accept(Message message);
    }

    private final ByteBufAllocator alloc;
    private final ArrayDeque<ByteBuf> buffers = new ArrayDeque<>();
    private long readable;
    private int type = -1;
    private int id;
    private int length;

    ChunkMessageDecoder(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    /** Takes ownership of {@code data} and hands every message it completes to {@code sink}. */
    void feed(ByteBuf data, Sink sink) throws IOException {
        if (!data.isReadable()) {
            data.release();
            return;
        }
        buffers.add(data);
        readable += data.readableBytes();
        while (true) {
            if (type < 0) {
                if (readable < ChunkWire.HEADER) {
                    return;
                }
                int t = readByte() & 0xff;
                id = readByte() << 24 | (readByte() & 0xff) << 16 | (readByte() & 0xff) << 8 | (readByte() & 0xff);
                length = readByte() << 24 | (readByte() & 0xff) << 16 | (readByte() & 0xff) << 8 | (readByte() & 0xff);
                if (length < 0 || length > ChunkWire.MAX_PAYLOAD) {
                    throw new IOException("replication message of " + (length & 0xffffffffL) + " bytes is out of bounds");
                }
                type = t;
            }
            if (readable < length) {
                return;
            }
            Message m = new Message(type, id, take(length));
            type = -1;
            sink.accept(m);
        }
    }

    /** True if part of a message was received: the stream must not end here. */
    boolean inMessage() {
        return type >= 0 || readable > 0;
    }

    /** Drops whatever is buffered. */
    void release() {
        for (ByteBuf b; (b = buffers.poll()) != null; ) {
            b.release();
        }
        readable = 0;
    }

    private byte readByte() {
        ByteBuf head = buffers.peek();
        byte b = head.readByte();
        readable--;
        dropIfDrained(head);
        return b;
    }

    private ByteBuf take(int n) {
        if (n == 0) {
            return Unpooled.EMPTY_BUFFER;
        }
        readable -= n;
        ByteBuf head = buffers.peek();
        if (head.readableBytes() >= n) {
            ByteBuf slice = head.readRetainedSlice(n);
            dropIfDrained(head);
            return slice;
        }
        CompositeByteBuf out = alloc.compositeDirectBuffer(Integer.MAX_VALUE);
        while (n > 0) {
            head = buffers.peek();
            int k = Math.min(n, head.readableBytes());
            out.addComponent(true, head.readRetainedSlice(k));
            dropIfDrained(head);
            n -= k;
        }
        return out;
    }

    private void dropIfDrained(ByteBuf head) {
        if (!head.isReadable()) {
            buffers.poll();
            head.release();
        }
    }
}
