package org.attestedmigration.securechannel.mux;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits the byte stream into {@link Frame}s and rejects malformed headers. It buffers at most one frame
 * (header plus {@code maxFramePayload}); a bad header stops decoding for good, because after a framing
 * error nothing that follows can be trusted.
 */
final class FrameDecoder extends ByteToMessageDecoder {

    /** Emitted once when the connection ends in the middle of a frame. */
    static final Object TRUNCATED = new Object();

    private final int maxFramePayload;
    private boolean failed;

    FrameDecoder(int maxFramePayload) {
        this.maxFramePayload = maxFramePayload;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws MuxProtocolException {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.readableBytes() >= FrameFormat.HEADER_SIZE) {
            int start = in.readerIndex();
            long length = in.getUnsignedInt(start);
            int typeCode = in.getUnsignedByte(start + 4);
            int flags = in.getUnsignedByte(start + 5);
            int reserved = in.getUnsignedShort(start + 6);
            long rawId = in.getUnsignedInt(start + 8);
            FrameType type = FrameType.fromCode(typeCode);
            try {
                validate(type, typeCode, flags, reserved, rawId, length);
            } catch (MuxProtocolException e) {
                failed = true;
                in.skipBytes(in.readableBytes());
                throw e;
            }
            if (in.readableBytes() < FrameFormat.HEADER_SIZE + length) {
                return;
            }
            in.skipBytes(FrameFormat.HEADER_SIZE);
            out.add(new Frame((int) rawId, type, flags, in.readRetainedSlice((int) length)));
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        decode(ctx, in, out);
        if (in.isReadable() && !failed) {
            in.skipBytes(in.readableBytes());
            out.add(TRUNCATED);
        }
    }

    private void validate(FrameType type, int typeCode, int flags, int reserved, long rawId, long length)
            throws MuxProtocolException {
        if (type == null) {
            throw conn(ErrorCode.PROTOCOL_ERROR, "unknown frame type 0x" + Integer.toHexString(typeCode));
        }
        if (reserved != 0) {
            throw conn(ErrorCode.PROTOCOL_ERROR, "reserved header bits set");
        }
        if (rawId > Integer.MAX_VALUE) {
            throw conn(ErrorCode.PROTOCOL_ERROR, "stream id high bit set");
        }
        if (length > maxFramePayload) {
            throw conn(ErrorCode.FRAME_SIZE_ERROR, type + " frame of " + length + " bytes exceeds limit " + maxFramePayload);
        }
        boolean connectionLevel = type == FrameType.HELLO || type == FrameType.PING || type == FrameType.GOAWAY;
        if (connectionLevel != (rawId == 0) && type != FrameType.WINDOW_UPDATE) {
            throw conn(ErrorCode.PROTOCOL_ERROR, type + " frame on " + (rawId == 0 ? "stream 0" : "stream " + rawId));
        }
        int allowedFlags = type == FrameType.DATA ? FrameFormat.FLAG_END_OF_MESSAGE
                : type == FrameType.PING ? FrameFormat.FLAG_ACK : 0;
        if ((flags & ~allowedFlags) != 0) {
            throw conn(ErrorCode.PROTOCOL_ERROR, "undefined flags 0x" + Integer.toHexString(flags) + " on " + type);
        }
        boolean sizeOk = switch (type) {
            case HELLO -> length == 12;
            case ACCEPT, WINDOW_UPDATE -> length == 4;
            case PING -> length == 8;
            case OPEN -> length >= 8;
            case RESET -> length >= 4 && length <= 4 + FrameFormat.MAX_REASON_BYTES;
            case GOAWAY -> length >= 8 && length <= 8 + FrameFormat.MAX_REASON_BYTES;
            case DATA, CLOSE -> true;
        };
        if (!sizeOk) {
            throw conn(ErrorCode.FRAME_SIZE_ERROR, type + " frame with invalid length " + length);
        }
    }

    private static MuxProtocolException conn(ErrorCode code, String message) {
        return MuxProtocolException.connection(code, message);
    }
}
