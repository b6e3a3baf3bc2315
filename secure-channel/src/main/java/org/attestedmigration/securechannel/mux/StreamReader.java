package org.attestedmigration.securechannel.mux;

import io.netty.buffer.ByteBuf;
import java.util.Map;

/**
 * Receives what the peer sends on one stream. Called on the session's event loop: implementations must not
 * block. The peer can only send as much as this side has credited, so call {@link MuxStream#consumed(int)}
 * once the bytes are processed (possibly later, from another thread) or the stream stalls.
 */
public interface StreamReader {

    /**
     * Data from the peer. Ownership of {@code data} passes to the reader, which must release it.
     *
     * @param endOfMessage true on the last chunk of a message (CONTROL streams)
     */
    void onData(MuxStream stream, ByteBuf data, boolean endOfMessage);

    /** The peer half-closed: no more data will come. {@code trailers} is the CLOSE frame's metadata. */
    default void onEndOfStream(MuxStream stream, Map<String, String> trailers) {
    }

    /** The stream is finished: both sides closed cleanly, or it was reset, or the session died. */
    default void onClosed(MuxStream stream, CloseReason reason) {
    }
}
