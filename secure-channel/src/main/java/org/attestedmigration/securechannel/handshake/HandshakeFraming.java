package org.attestedmigration.securechannel.handshake;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The handshake's framing in a Netty pipeline: u32 big-endian length, then one JSON message
 * ({@link MessageCodec}). A frame over {@link MessageCodec#MAX_FRAME} or one that does not decode
 * raises an exception, upon which the handshake closes the connection.
 */
public final class HandshakeFraming {
    static final String FRAME_DECODER = "attested-frame-decoder";
    static final String MESSAGE_DECODER = "attested-message-decoder";
    static final String FRAME_ENCODER = "attested-frame-encoder";
    static final String MESSAGE_ENCODER = "attested-message-encoder";
    private static final int LENGTH_FIELD = 4;

    private HandshakeFraming() {
    }

    /** Appends the four framing handlers to the pipeline. */
    public static void install(ChannelPipeline pipeline) {
        pipeline.addLast(FRAME_DECODER, new LengthFieldBasedFrameDecoder(ByteOrder.BIG_ENDIAN, MessageCodec.MAX_FRAME, 0, LENGTH_FIELD, 0,
                LENGTH_FIELD, true));
        pipeline.addLast(MESSAGE_DECODER, new Decoder());
        pipeline.addLast(FRAME_ENCODER, new LengthFieldPrepender(LENGTH_FIELD));
        pipeline.addLast(MESSAGE_ENCODER, new Encoder());
    }

    /**
     * Stops decoding frames; bytes read after the last frame go on, raw, to the next handler.
     * Must run on the channel's event loop. The message decoder goes first so that the frame
     * decoder's leftover bytes skip it.
     */
    static void removeDecoders(ChannelPipeline pipeline) {
        pipeline.remove(MESSAGE_DECODER);
        pipeline.remove(FRAME_DECODER);
    }

    /** Stops framing writes: what is written afterwards goes to TLS unchanged. Event loop only. */
    static void removeEncoders(ChannelPipeline pipeline) {
        pipeline.remove(MESSAGE_ENCODER);
        pipeline.remove(FRAME_ENCODER);
    }

    private static final class Decoder extends MessageToMessageDecoder<ByteBuf> {
        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
            try {
                out.add(MessageCodec.decode(ByteBufUtil.getBytes(frame)));
            } catch (MalformedMessageException e) {
                throw new DecoderException(e.getMessage(), e);
            }
        }
    }

    private static final class Encoder extends MessageToMessageEncoder<HandshakeMessage> {
        @Override
        protected void encode(ChannelHandlerContext ctx, HandshakeMessage message, List<Object> out) {
            out.add(Unpooled.wrappedBuffer(MessageCodec.encode(message)));
        }
    }
}
