package org.attestedmigration.securechannel.mux;

/** Error codes carried by RESET and GOAWAY frames and reported in {@link CloseReason}. */
public enum ErrorCode {
    /** Graceful end. */
    NO_ERROR(0),
    /** The peer broke the framing or state rules. */
    PROTOCOL_ERROR(1),
    /** An unexpected local failure. */
    INTERNAL_ERROR(2),
    /** The peer sent more than the window it was granted, or overflowed a window. */
    FLOW_CONTROL_ERROR(3),
    /** A frame arrived for a stream that is already closed in that direction. */
    STREAM_CLOSED(4),
    /** A frame exceeded the receiver's maximum frame size or its type's fixed size. */
    FRAME_SIZE_ERROR(5),
    /** The acceptor refused the stream (no acceptor, too many streams, or by choice). */
    REFUSED(6),
    /** The application cancelled the stream. */
    CANCEL(7),
    /** An allowlist forbids what the stream asked for (forward target, command). */
    NOT_ALLOWED(8),
    /** A port-forward target could not be reached. */
    CONNECT_FAILED(9),
    /** A control message exceeded the receiver's message size limit. */
    MESSAGE_TOO_LARGE(10),
    /** Local only, never sent: the underlying connection closed before the stream ended. */
    CONNECTION_CLOSED(11);

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    /** The on-wire code. */
    public int code() {
        return code;
    }

    /** The error for a wire code; unknown codes map to {@link #INTERNAL_ERROR} so a newer peer stays readable. */
    public static ErrorCode fromCode(long code) {
        for (ErrorCode e : values()) {
            if (e.code == code) {
                return e;
            }
        }
        return INTERNAL_ERROR;
    }
}
