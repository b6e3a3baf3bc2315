package org.attestedmigration.securechannel.mux;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Two sessions over a real loopback TCP connection. */
final class MuxHarness implements AutoCloseable {
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    final MuxSession client;
    final MuxSession server;
    private final Channel serverChannel;

    MuxHarness(MuxConfig config, StreamAcceptor clientAcceptor, StreamAcceptor serverAcceptor) throws Exception {
        CompletableFuture<MuxSession> serverSession = new CompletableFuture<>();
        serverChannel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        serverSession.complete(MuxSession.install(ch, MuxRole.RESPONDER, config, serverAcceptor));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        CompletableFuture<MuxSession> clientSession = new CompletableFuture<>();
        new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        clientSession.complete(MuxSession.install(ch, MuxRole.INITIATOR, config, clientAcceptor));
                    }
                })
                .connect(serverChannel.localAddress()).sync();
        client = clientSession.get(5, TimeUnit.SECONDS);
        server = serverSession.get(5, TimeUnit.SECONDS);
    }

    MuxHarness(StreamAcceptor serverAcceptor) throws Exception {
        this(MuxConfig.defaults(), StreamAcceptor.rejectAll(), serverAcceptor);
    }

    InetSocketAddress serverAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public void close() {
        client.channel().close();
        serverChannel.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
