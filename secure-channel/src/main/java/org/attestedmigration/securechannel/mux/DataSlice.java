package org.attestedmigration.securechannel.mux;

import io.netty.buffer.ByteBuf;

/**
 * A piece of one DATA frame's payload, passed on as it arrives: DATA payloads are never gathered into
 * whole frames, so received bulk bytes are slices of the transport's buffers rather than copies. Every
 * DATA frame yields at least one slice (an empty one for an empty frame); the first carries the frame's
 * length so that windows are checked once, before any of its bytes are delivered.
 *
 * @param endOfMessage set on the last slice when the frame has END_OF_MESSAGE
 * @param data         owned by whoever consumes the slice, released exactly once
 */
record DataSlice(int streamId, int frameLength, boolean first, boolean last, boolean endOfMessage, ByteBuf data) {
}
