package org.attestedmigration.securechannel.mux;

/**
 * A violation of the framing rules detected while decoding. Stream-level violations carry the stream id
 * and lead to RESET; connection-level ones ({@code streamId == 0}) lead to GOAWAY and close.
 */
public final class MuxProtocolException extends Exception {
    private final ErrorCode code;
    private final int streamId;

    private MuxProtocolException(ErrorCode code, int streamId, String message) {
        super(message);
        this.code = code;
        this.streamId = streamId;
    }

    /** An error that ends the whole connection. */
    public static MuxProtocolException connection(ErrorCode code, String message) {
        return new MuxProtocolException(code, 0, message);
    }

    /** An error that ends one stream only. */
    public static MuxProtocolException stream(ErrorCode code, int streamId, String message) {
        return new MuxProtocolException(code, streamId, message);
    }

    public ErrorCode code() {
        return code;
    }

    /** The stream concerned, or 0 for a connection-level error. */
    public int streamId() {
        return streamId;
    }

    public boolean isConnectionError() {
        return streamId == 0;
    }
}
