package org.attestedmigration.securechannel.mux;

/**
 * The header rules of docs/channel-protocol.md, checked before any payload byte is buffered or delivered,
 * so an announced length of 4 GiB or a frame type nobody knows costs nothing.
 */
final class FrameHeaderValidator {
    private final int maxFramePayload;

    FrameHeaderValidator(int maxFramePayload) {
        this.maxFramePayload = maxFramePayload;
    }

    /** @param type null when {@code typeCode} is not a known frame type */
    void validate(FrameType type, int typeCode, int flags, int reserved, long rawId, long length) throws MuxProtocolException {
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
