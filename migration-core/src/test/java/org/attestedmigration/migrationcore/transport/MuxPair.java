package org.attestedmigration.migrationcore.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.attestedmigration.securechannel.mux.MuxConfig;
import org.attestedmigration.securechannel.mux.MuxRole;
import org.attestedmigration.securechannel.mux.MuxSession;
import org.attestedmigration.securechannel.mux.MuxStream;
import org.attestedmigration.securechannel.mux.StreamAcceptor;
import org.attestedmigration.securechannel.mux.StreamKind;

/**
 * A source and a destination session over loopback TCP (no TLS), each on its own event loop as two
 * agents would be, with the agents' mux configuration: one BYTES stream from source to destination.
 */
final class MuxPair implements AutoCloseable {
    private final EventLoopGroup sourceLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoopGroup destinationLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final MuxSession source;
    /** The stream as the source opened it. */
    final MuxStream sourceEnd;
    /** The same stream as the destination accepted it. */
    final MuxStream destinationEnd;

    MuxPair() throws Exception {
        CompletableFuture<MuxStream> accepted = new CompletableFuture<>();
        StreamAcceptor acceptor = in -> accepted.complete(in.accept());
        server = new ServerBootstrap().group(destinationLoop).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        MuxSession.install(ch, MuxRole.RESPONDER, MuxConfig.defaults(), acceptor);
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        CompletableFuture<MuxSession> client = new CompletableFuture<>();
        new Bootstrap().group(sourceLoop).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        client.complete(MuxSession.install(ch, MuxRole.INITIATOR, MuxConfig.defaults(), StreamAcceptor.rejectAll()));
                    }
                })
                .connect(server.localAddress()).sync();
        source = client.get(5, TimeUnit.SECONDS);
        sourceEnd = source.open(StreamKind.BYTES, Map.of("disk", "test")).get(5, TimeUnit.SECONDS);
        destinationEnd = accepted.get(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        source.channel().close();
        server.close();
        sourceLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        destinationLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
