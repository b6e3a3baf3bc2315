package org.attestedmigration.securechannel.mux;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/**
 * One decoded frame. The payload is a retained slice of the receive buffer (no copy), so whoever consumes
 * the frame releases it exactly once.
 */
record Frame(int streamId, FrameType type, int flags, ByteBuf payload) {

    boolean hasFlag(int flag) {
        return (flags & flag) != 0;
    }

    void release() {
        ((ReferenceCounted) payload).release();
    }
}
