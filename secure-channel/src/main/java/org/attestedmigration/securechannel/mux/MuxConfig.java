package org.attestedmigration.securechannel.mux;

/**
 * Immutable tuning of a {@link MuxSession}. Defaults suit bulk migration traffic on a fast link.
 *
 * @param maxFramePayload         largest DATA payload this side accepts (announced in HELLO); the peer's own
 *                                value caps what this side sends
 * @param initialStreamWindow     bytes a peer may send on a new stream before this side grants more
 * @param connectionWindow        bytes a peer may send on all streams together before this side grants more;
 *                                larger than the stream window so one stalled stream cannot block the others
 * @param maxInboundStreams       streams the peer may have open at once; more are refused
 * @param maxControlMessage       largest control (JSON) message accepted
 * @param writeBufferLowWaterMark Netty write buffer low-water mark set on the channel (scheduling resumes below it)
 * @param writeBufferHighWaterMark Netty write buffer high-water mark set on the channel (scheduling pauses above it)
 */
public record MuxConfig(int maxFramePayload, int initialStreamWindow, int connectionWindow, int maxInboundStreams,
                        int maxControlMessage, int writeBufferLowWaterMark, int writeBufferHighWaterMark) {

    public MuxConfig {
        if (maxFramePayload < FrameFormat.MIN_MAX_FRAME_PAYLOAD || maxFramePayload > FrameFormat.MAX_MAX_FRAME_PAYLOAD) {
            throw new IllegalArgumentException("maxFramePayload out of range: " + maxFramePayload);
        }
        if (initialStreamWindow < FrameFormat.MIN_MAX_FRAME_PAYLOAD) {
            throw new IllegalArgumentException("initialStreamWindow too small: " + initialStreamWindow);
        }
        if (connectionWindow < initialStreamWindow) {
            throw new IllegalArgumentException("connectionWindow must be >= initialStreamWindow");
        }
        if (maxInboundStreams < 1 || maxControlMessage < 1) {
            throw new IllegalArgumentException("maxInboundStreams and maxControlMessage must be positive");
        }
        if (writeBufferLowWaterMark < 1 || writeBufferHighWaterMark < writeBufferLowWaterMark) {
            throw new IllegalArgumentException("bad write buffer water marks");
        }
    }

    // Each with* step is validated on its own: raise connectionWindow before initialStreamWindow.

    /** 64 KiB frames, 1 MiB per stream, 16 MiB per connection, 256 streams, 1 MiB control messages. */
    public static MuxConfig defaults() {
        return new MuxConfig(64 * 1024, 1024 * 1024, 16 * 1024 * 1024, 256, 1024 * 1024, 512 * 1024, 1024 * 1024);
    }

    public MuxConfig withMaxFramePayload(int v) {
        return new MuxConfig(v, initialStreamWindow, connectionWindow, maxInboundStreams, maxControlMessage,
                writeBufferLowWaterMark, writeBufferHighWaterMark);
    }

    public MuxConfig withInitialStreamWindow(int v) {
        return new MuxConfig(maxFramePayload, v, connectionWindow, maxInboundStreams, maxControlMessage,
                writeBufferLowWaterMark, writeBufferHighWaterMark);
    }

    public MuxConfig withConnectionWindow(int v) {
        return new MuxConfig(maxFramePayload, initialStreamWindow, v, maxInboundStreams, maxControlMessage,
                writeBufferLowWaterMark, writeBufferHighWaterMark);
    }

    public MuxConfig withMaxInboundStreams(int v) {
        return new MuxConfig(maxFramePayload, initialStreamWindow, connectionWindow, v, maxControlMessage,
                writeBufferLowWaterMark, writeBufferHighWaterMark);
    }

    public MuxConfig withMaxControlMessage(int v) {
        return new MuxConfig(maxFramePayload, initialStreamWindow, connectionWindow, maxInboundStreams, v,
                writeBufferLowWaterMark, writeBufferHighWaterMark);
    }
}
