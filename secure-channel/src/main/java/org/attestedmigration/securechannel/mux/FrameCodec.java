package org.attestedmigration.securechannel.mux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Encodes frames and parses the structured payloads of non-DATA frames. All integers are big-endian. */
final class FrameCodec {

    private FrameCodec() {
    }

    static ByteBuf header(ByteBufAllocator alloc, FrameType type, int flags, int streamId, int length) {
        ByteBuf b = alloc.buffer(FrameFormat.HEADER_SIZE);
        writeHeader(b, type, flags, streamId, length);
        return b;
    }

    private static void writeHeader(ByteBuf b, FrameType type, int flags, int streamId, int length) {
        b.writeInt(length);
        b.writeByte(type.code());
        b.writeByte(flags);
        b.writeShort(0);
        b.writeInt(streamId);
    }

    static ByteBuf hello(ByteBufAllocator alloc, int maxFramePayload, int connectionWindow) {
        ByteBuf b = alloc.buffer(FrameFormat.HEADER_SIZE + 12);
        writeHeader(b, FrameType.HELLO, 0, 0, 12);
        b.writeShort(FrameFormat.VERSION).writeShort(0).writeInt(maxFramePayload).writeInt(connectionWindow);
        return b;
    }

    static ByteBuf open(ByteBufAllocator alloc, int streamId, StreamKind kind, int initialWindow,
                        Map<String, String> metadata) {
        ByteBuf body = alloc.buffer();
        body.writeByte(kind.code()).writeByte(0).writeInt(initialWindow);
        writeMetadata(body, metadata);
        return withHeader(alloc, FrameType.OPEN, 0, streamId, body);
    }

    static ByteBuf accept(ByteBufAllocator alloc, int streamId, int initialWindow) {
        ByteBuf b = alloc.buffer(FrameFormat.HEADER_SIZE + 4);
        writeHeader(b, FrameType.ACCEPT, 0, streamId, 4);
        return b.writeInt(initialWindow);
    }

    static ByteBuf windowUpdate(ByteBufAllocator alloc, int streamId, int increment) {
        ByteBuf b = alloc.buffer(FrameFormat.HEADER_SIZE + 4);
        writeHeader(b, FrameType.WINDOW_UPDATE, 0, streamId, 4);
        return b.writeInt(increment);
    }

    static ByteBuf close(ByteBufAllocator alloc, int streamId, Map<String, String> trailers) {
        if (trailers.isEmpty()) {
            return header(alloc, FrameType.CLOSE, 0, streamId, 0);
        }
        ByteBuf body = alloc.buffer();
        writeMetadata(body, trailers);
        return withHeader(alloc, FrameType.CLOSE, 0, streamId, body);
    }

    static ByteBuf reset(ByteBufAllocator alloc, int streamId, ErrorCode code, String reason) {
        byte[] r = reasonBytes(reason);
        ByteBuf b = alloc.buffer(FrameFormat.HEADER_SIZE + 4 + r.length);
        writeHeader(b, FrameType.RESET, 0, streamId, 4 + r.length);
        return b.writeInt(code.code()).writeBytes(r);
    }

    static ByteBuf goAway(ByteBufAllocator alloc, int lastStreamId, ErrorCode code, String reason) {
        byte[] r = reasonBytes(reason);
        ByteBuf b = alloc.buffer(FrameFormat.HEADER_SIZE + 8 + r.length);
        writeHeader(b, FrameType.GOAWAY, 0, 0, 8 + r.length);
        return b.writeInt(lastStreamId).writeInt(code.code()).writeBytes(r);
    }

    static ByteBuf ping(ByteBufAllocator alloc, boolean ack, long opaque) {
        ByteBuf b = alloc.buffer(FrameFormat.HEADER_SIZE + 8);
        writeHeader(b, FrameType.PING, ack ? FrameFormat.FLAG_ACK : 0, 0, 8);
        return b.writeLong(opaque);
    }

    private static ByteBuf withHeader(ByteBufAllocator alloc, FrameType type, int flags, int streamId, ByteBuf body) {
        ByteBuf b = alloc.buffer(FrameFormat.HEADER_SIZE + body.readableBytes());
        writeHeader(b, type, flags, streamId, body.readableBytes());
        b.writeBytes(body);
        body.release();
        return b;
    }

    /** Truncates to the limit on a character boundary so a long message never makes an invalid frame. */
    private static byte[] reasonBytes(String reason) {
        String s = reason == null ? "" : reason;
        byte[] r = s.getBytes(StandardCharsets.UTF_8);
        while (r.length > FrameFormat.MAX_REASON_BYTES) {
            s = s.substring(0, s.length() * 3 / 4);
            r = s.getBytes(StandardCharsets.UTF_8);
        }
        return r;
    }

    /** Checks limits on the sending side too, so a caller error surfaces locally instead of as a peer's GOAWAY. */
    static void writeMetadata(ByteBuf out, Map<String, String> metadata) {
        if (metadata.size() > FrameFormat.MAX_METADATA_ENTRIES) {
            throw new IllegalArgumentException("too many metadata entries: " + metadata.size());
        }
        out.writeShort(metadata.size());
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            writeString(out, e.getKey(), FrameFormat.MAX_METADATA_KEY_BYTES);
            writeString(out, e.getValue(), FrameFormat.MAX_METADATA_VALUE_BYTES);
        }
    }

    private static void writeString(ByteBuf out, String s, int limit) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > limit) {
            throw new IllegalArgumentException("metadata string longer than " + limit + " bytes");
        }
        out.writeShort(b.length).writeBytes(b);
    }

    static int metadataSize(Map<String, String> metadata) {
        int n = 2;
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            n += 4 + ByteBufUtil.utf8Bytes(e.getKey()) + ByteBufUtil.utf8Bytes(e.getValue());
        }
        return n;
    }

    static Map<String, String> readMetadata(ByteBuf in) throws MuxProtocolException {
        if (!in.isReadable()) {
            return Map.of();
        }
        int count = readUnsignedShort(in);
        if (count > FrameFormat.MAX_METADATA_ENTRIES) {
            throw MuxProtocolException.connection(ErrorCode.PROTOCOL_ERROR, "too many metadata entries: " + count);
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String k = readString(in, FrameFormat.MAX_METADATA_KEY_BYTES);
            String v = readString(in, FrameFormat.MAX_METADATA_VALUE_BYTES);
            if (m.put(k, v) != null) {
                throw MuxProtocolException.connection(ErrorCode.PROTOCOL_ERROR, "duplicate metadata key " + k);
            }
        }
        if (in.isReadable()) {
            throw MuxProtocolException.connection(ErrorCode.PROTOCOL_ERROR, "trailing bytes after metadata");
        }
        return m;
    }

    private static int readUnsignedShort(ByteBuf in) throws MuxProtocolException {
        if (in.readableBytes() < 2) {
            throw MuxProtocolException.connection(ErrorCode.PROTOCOL_ERROR, "truncated metadata");
        }
        return in.readUnsignedShort();
    }

    private static String readString(ByteBuf in, int limit) throws MuxProtocolException {
        int len = readUnsignedShort(in);
        if (len > limit || len > in.readableBytes()) {
            throw MuxProtocolException.connection(ErrorCode.PROTOCOL_ERROR, "bad metadata string length " + len);
        }
        String s = in.toString(in.readerIndex(), len, StandardCharsets.UTF_8);
        in.skipBytes(len);
        return s;
    }

    static String readReason(ByteBuf in) {
        String s = in.toString(StandardCharsets.UTF_8);
        in.skipBytes(in.readableBytes());
        return s;
    }
}
