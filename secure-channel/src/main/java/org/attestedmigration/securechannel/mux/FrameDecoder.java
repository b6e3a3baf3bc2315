package org.attestedmigration.securechannel.mux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Splits the byte stream into frames and rejects malformed headers as soon as a header is complete.
 * Non-DATA frames are gathered whole (at most one, of at most {@code maxFramePayload} bytes, grown as
 * its bytes arrive) and passed on as {@link Frame}s. DATA payloads are passed on as {@link DataSlice}s
 * the moment they arrive, as slices of the incoming buffers: gathering a 256 KiB frame would copy every
 * received byte once more, and that copy was the stream layer's largest cost over bare TLS. The windows
 * still bound what a peer can make this side hold, because the session checks them against the frame's
 * length before the first slice is delivered.
 *
 * <p>A bad header stops decoding for good: after a framing error nothing that follows can be trusted.
 */
final class FrameDecoder extends ChannelInboundHandlerAdapter {

    /** Passed on once when the connection ends in the middle of a frame. */
    static final Object TRUNCATED = new Object();

    private final FrameHeaderValidator validator;

    /** Header bytes while a header straddles two reads. */
    private ByteBuf partialHeader;
    private boolean inPayload;
    private FrameType type;
    private int flags;
    private int streamId;
    private int length;
    private int remaining;
    private boolean firstSlice;
    /** The non-DATA payload being gathered. */
    private ByteBuf body;
    private boolean failed;

    FrameDecoder(int maxFramePayload) {
        this.validator = new FrameHeaderValidator(maxFramePayload);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            while (!failed && in.isReadable()) {
                if (!inPayload) {
                    if (!readHeader(ctx, in)) {
                        break;
                    }
                } else if (type == FrameType.DATA) {
                    passDataSlice(ctx, in);
                } else {
                    gatherBody(ctx, in);
                }
            }
        } finally {
            in.release();
        }
    }

    /** Consumes a header from {@code in} (or completes a partial one); false when more bytes are needed. */
    private boolean readHeader(ChannelHandlerContext ctx, ByteBuf in) {
        ByteBuf h;
        if (partialHeader == null || !partialHeader.isReadable()) {
            if (in.readableBytes() < FrameFormat.HEADER_SIZE) {
                if (partialHeader == null) {
                    partialHeader = Unpooled.buffer(FrameFormat.HEADER_SIZE, FrameFormat.HEADER_SIZE);
                }
                partialHeader.writeBytes(in);
                return false;
            }
            h = in;
        } else {
            partialHeader.writeBytes(in, Math.min(in.readableBytes(), partialHeader.writableBytes()));
            if (partialHeader.readableBytes() < FrameFormat.HEADER_SIZE) {
                return false;
            }
            h = partialHeader;
        }
        int start = h.readerIndex();
        long rawLength = h.getUnsignedInt(start);
        int typeCode = h.getUnsignedByte(start + 4);
        flags = h.getUnsignedByte(start + 5);
        int reserved = h.getUnsignedShort(start + 6);
        long rawId = h.getUnsignedInt(start + 8);
        h.skipBytes(FrameFormat.HEADER_SIZE);
        if (h == partialHeader) {
            partialHeader.clear();
        }
        type = FrameType.fromCode(typeCode);
        try {
            validator.validate(type, typeCode, flags, reserved, rawId, rawLength);
        } catch (MuxProtocolException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            ctx.fireExceptionCaught(e);
            return false;
        }
        streamId = (int) rawId;
        length = (int) rawLength;
        remaining = length;
        firstSlice = true;
        inPayload = true;
        if (length == 0) {
            finishEmptyFrame(ctx);
        } else if (type != FrameType.DATA) {
            // Grown as bytes arrive, so a header announcing a large frame costs nothing by itself.
            body = ctx.alloc().buffer(Math.min(length, 4096), length);
        }
        return true;
    }

    private void finishEmptyFrame(ChannelHandlerContext ctx) {
        inPayload = false;
        if (type == FrameType.DATA) {
            ctx.fireChannelRead(new DataSlice(streamId, 0, true, true, endOfMessage(), Unpooled.EMPTY_BUFFER));
        } else {
            ctx.fireChannelRead(new Frame(streamId, type, flags, Unpooled.EMPTY_BUFFER));
        }
    }

    private void passDataSlice(ChannelHandlerContext ctx, ByteBuf in) {
        int n = Math.min(remaining, in.readableBytes());
        ByteBuf data = slice(ctx, in, n);
        remaining -= n;
        boolean last = remaining == 0;
        DataSlice slice = new DataSlice(streamId, length, firstSlice, last, last && endOfMessage(), data);
        firstSlice = false;
        if (last) {
            inPayload = false;
        }
        ctx.fireChannelRead(slice);
    }

    /**
     * A retained slice of the next {@code n} bytes, or a copy when they are less than half of the buffer
     * they would keep alive: a reader holding many small pieces (a peer sending tiny frames) must not pin
     * whole receive buffers, so what a window lets a peer make this side hold stays within twice the window.
     */
    private static ByteBuf slice(ChannelHandlerContext ctx, ByteBuf in, int n) {
        if ((long) n * 2 >= in.capacity()) {
            return in.readRetainedSlice(n);
        }
        ByteBuf copy = ctx.alloc().buffer(n, n);
        copy.writeBytes(in, n);
        return copy;
    }

    private void gatherBody(ChannelHandlerContext ctx, ByteBuf in) {
        int n = Math.min(remaining, in.readableBytes());
        body.writeBytes(in, n);
        remaining -= n;
        if (remaining == 0) {
            Frame f = new Frame(streamId, type, flags, body);
            body = null;
            inPayload = false;
            ctx.fireChannelRead(f);
        }
    }

    private boolean endOfMessage() {
        return (flags & FrameFormat.FLAG_END_OF_MESSAGE) != 0;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        boolean midFrame = inPayload || partialHeader != null && partialHeader.isReadable();
        releaseBuffers();
        if (midFrame && !failed) {
            ctx.fireChannelRead(TRUNCATED);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseBuffers();
    }

    private void releaseBuffers() {
        if (body != null) {
            body.release();
            body = null;
        }
        if (partialHeader != null) {
            partialHeader.release();
            partialHeader = null;
        }
    }
}
