package org.attestedmigration.securechannel.handshake;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Hands decoded handshake messages from the event loop to the handshake's worker thread, and
 * after the peer's VERDICT holds back every further byte: the peer may start sending application
 * data as soon as it has both ACCEPTs, before this side has finished, and those bytes must not be
 * parsed as handshake frames nor reach anyone before the handshake succeeded here too.
 */
final class MessageInbox extends ChannelInboundHandlerAdapter {
    static final String NAME = "attested-inbox";
    /** The protocol has six messages per side; more queued means a flooding peer. */
    private static final int MAX_QUEUED = 8;

    /** What the worker can receive. */
    sealed interface Item {
    }

    record Message(HandshakeMessage message) implements Item {
    }

    record Failed(Throwable cause) implements Item {
    }

    record Closed() implements Item {
    }

    private final BlockingQueue<Item> items = new LinkedBlockingQueue<>();
    /** Event-loop only. */
    private final Queue<ByteBuf> held = new ArrayDeque<>();
    private boolean holding;
    private volatile Throwable failure;

    /** Why this side closed the connection, if a bad frame or a channel error made it. */
    Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** The next item, or empty after {@code timeout}. */
    Optional<Item> poll(Duration timeout) throws InterruptedException {
        return Optional.ofNullable(items.poll(timeout.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (holding) {
            if (msg instanceof ByteBuf bytes) {
                held.add(bytes);
            } else {
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        if (!(msg instanceof HandshakeMessage message)) {
            ReferenceCountUtil.release(msg);
            fail(ctx, new IllegalStateException("a non-handshake frame arrived during the handshake"));
            return;
        }
        if (items.size() >= MAX_QUEUED) {
            fail(ctx, new IllegalStateException("the peer sent more handshake messages than the protocol has"));
            return;
        }
        if (message instanceof HandshakeMessage.VerdictMessage) {
            // The peer's last handshake frame: whatever follows is not ours to parse.
            holding = true;
            ctx.channel().config().setAutoRead(false);
            items.add(new Message(message));
            HandshakeFraming.removeDecoders(ctx.pipeline());
            return;
        }
        items.add(new Message(message));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, cause);
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        items.add(new Failed(cause));
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        items.add(new Closed());
        releaseHeld();
        ctx.fireChannelInactive();
    }

    /** Passes the held bytes on to whoever the application installed after this handler. */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (held.isEmpty()) {
            return;
        }
        while (!held.isEmpty()) {
            ctx.fireChannelRead(held.poll());
        }
        ctx.fireChannelReadComplete();
    }

    private void releaseHeld() {
        while (!held.isEmpty()) {
            held.poll().release();
        }
    }
}
