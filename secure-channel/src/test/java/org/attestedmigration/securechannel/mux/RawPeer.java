package org.attestedmigration.securechannel.mux;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A hand-written peer on a plain socket, for sending frames a correct implementation never would. */
final class RawPeer implements AutoCloseable {
    record RawFrame(int type, int flags, int streamId, byte[] payload) {
        int intAt(int offset) {
            return ByteBuffer.wrap(payload).getInt(offset);
        }

        String text(int offset) {
            return new String(payload, offset, payload.length - offset, StandardCharsets.UTF_8);
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel serverChannel;
    final CompletableFuture<MuxSession> session = new CompletableFuture<>();
    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    RawPeer(MuxConfig config, StreamAcceptor acceptor) throws Exception {
        serverChannel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        session.complete(MuxSession.install(ch, MuxRole.RESPONDER, config, acceptor));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        socket = new Socket();
        socket.connect(serverChannel.localAddress(), 5000);
        socket.setSoTimeout(5000);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
    }

    static byte[] frame(int type, int flags, int streamId, byte[] payload) {
        return ByteBuffer.allocate(12 + payload.length).putInt(payload.length).put((byte) type).put((byte) flags)
                .putShort((short) 0).putInt(streamId).put(payload).array();
    }

    static byte[] hello() {
        return frame(FrameType.HELLO.code(), 0, 0,
                ByteBuffer.allocate(12).putShort((short) 1).putShort((short) 0).putInt(65536).putInt(16 << 20).array());
    }

    static byte[] open(int streamId, StreamKind kind, int window) {
        return frame(FrameType.OPEN.code(), 0, streamId,
                ByteBuffer.allocate(8).put((byte) kind.code()).put((byte) 0).putInt(window).putShort((short) 0).array());
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void closeOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** The next frame, or null when the server closed the connection. */
    RawFrame read() throws IOException {
        byte[] header = new byte[12];
        try {
            in.readFully(header);
        } catch (EOFException e) {
            return null;
        }
        ByteBuffer h = ByteBuffer.wrap(header);
        int len = h.getInt();
        int type = h.get() & 0xff;
        int flags = h.get() & 0xff;
        h.getShort();
        int id = h.getInt();
        byte[] payload = new byte[len];
        in.readFully(payload);
        return new RawFrame(type, flags, id, payload);
    }

    /** Skips frames until one of the type arrives; fails on EOF. */
    RawFrame await(FrameType type) throws IOException {
        for (RawFrame f; (f = read()) != null; ) {
            if (f.type() == type.code()) {
                return f;
            }
        }
        throw new EOFException("connection closed before " + type);
    }

    /** True when the server closed the connection (after any frames still in flight). */
    boolean closedByServer() throws IOException {
        try {
            while (read() != null) {
                // drain
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    MuxSession serverSession() throws Exception {
        return session.get(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws IOException {
        socket.close();
        serverChannel.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
