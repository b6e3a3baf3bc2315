package org.attestedmigration.securechannel.mux;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Pipes a TCP connection and a stream both ways. Backpressure on both sides: the socket is read only after
 * the previous bytes fit in the stream window (autoRead off), and the peer is credited only for bytes the
 * socket has written. Half-closes travel both ways (CLOSE ↔ TCP shutdown of output); a reset or socket
 * error ends both.
 *
 * <p>The socket channel must have autoRead off and {@code ALLOW_HALF_CLOSURE} on.
 */
final class SocketBridge extends ChannelInboundHandlerAdapter implements StreamReader {
    private final Channel socket;
    private final MuxStream stream;
    private CompletableFuture<Void> lastStreamWrite = CompletableFuture.completedFuture(null);
    private volatile ChannelFuture lastSocketWrite;

    private SocketBridge(Channel socket, MuxStream stream) {
        this.socket = socket;
        this.stream = stream;
        this.lastSocketWrite = socket.newSucceededFuture();
    }

    /** Connects {@code socket} and {@code stream} and starts reading from both. */
    static void start(Channel socket, MuxStream stream) {
        SocketBridge bridge = new SocketBridge(socket, stream);
        socket.pipeline().addLast("mux-bridge", bridge);
        stream.setReader(bridge);
        stream.onClose(reason -> {
            if (reason.isClean()) {
                bridge.lastSocketWrite.addListener(f -> socket.close()); // let queued bytes reach the socket
            } else {
                socket.close();
            }
        });
        socket.closeFuture().addListener(f -> stream.reset(ErrorCode.CANCEL, "local connection closed"));
        socket.read();
    }

    // ---- socket → stream ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            lastStreamWrite = stream.write(buf);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        lastStreamWrite.whenComplete((v, e) -> {
            if (e == null) {
                socket.read(); // only now: the bytes read so far are within the peer's window
            } else {
                socket.close();
            }
        });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            stream.closeWrite(); // queued after all DATA already written
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        stream.reset(ErrorCode.CANCEL, "local connection failed: " + cause.getMessage());
        ctx.close();
    }

    // ---- stream → socket ----

    @Override
    public void onData(MuxStream s, ByteBuf data, boolean endOfMessage) {
        int n = data.readableBytes();
        ChannelFuture f = socket.writeAndFlush(data);
        lastSocketWrite = f;
        f.addListener(done -> {
            if (done.isSuccess()) {
                s.consumed(n);
            } else {
                s.reset(ErrorCode.CANCEL, "local connection write failed: " + done.cause().getMessage());
            }
        });
    }

    @Override
    public void onEndOfStream(MuxStream s, Map<String, String> trailers) {
        // Shutting down output at once would discard writes still queued in the socket.
        lastSocketWrite.addListener(f -> {
            if (socket instanceof SocketChannel sc) {
                sc.shutdownOutput();
            } else {
                socket.close();
            }
        });
    }
}
