package org.attestedmigration.migrationcore.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The disk replication messages on one stream of the attested channel, big-endian:
 * {@code u8 type | u32 request id | u32 length | payload}. Requests go from source to destination
 * (OPEN: u64 image size + u32 chunk size; CHUNK: u32 index + the chunk; RANGE: u32 index + u32
 * offset within the chunk + the bytes from there; ZERO: u32 index of a chunk whose bytes are all
 * zero, sent instead of its CHUNK; FLUSH; DIGEST), each answered by OK (with a
 * result: the confirmed-chunk bitmap, or the encoded digest tree) or ERROR (a UTF-8 reason)
 * carrying the same id.
 */
final class ChunkWire {
    static final int OPEN = 1;
    static final int CHUNK = 2;
    static final int FLUSH = 3;
    static final int DIGEST = 4;
    static final int RANGE = 5;
    static final int ZERO = 6;
    /** Where the payload length sits in a message's header. */
    private static final int LENGTH_AT = 5;
    static final int OK = 0x80;
    static final int ERROR = 0x81;
    static final int HEADER = 9;
    /** A chunk (at most 64 MiB) plus a range's index and offset; nothing legitimate is larger. */
    static final int MAX_PAYLOAD = 64 * 1024 * 1024 + 8;

    private ChunkWire() {
    }

    /** A message buffer with the header written and room for {@code length} payload bytes. */
    static ByteBuf start(ByteBufAllocator alloc, int type, int id, int length) {
        ByteBuf buf = alloc.directBuffer(HEADER + length);
        buf.writeByte(type).writeInt(id).writeInt(length);
        return buf;
    }

    /**
     * Turns a CHUNK message whose chunk bytes are all zero into the ZERO message for the same chunk
     * and request id, in place: the header's type and length change, the chunk bytes are dropped.
     */
    static void chunkToZero(ByteBuf message, int indexLength) {
        message.setByte(0, ZERO).setInt(LENGTH_AT, indexLength).writerIndex(HEADER + indexLength);
    }

    /** A whole message whose payload is {@code payload}. */
    static ByteBuf message(ByteBufAllocator alloc, int type, int id, byte[] payload) {
        return start(alloc, type, id, payload.length).writeBytes(payload);
    }
}
