package org.attestedmigration.securechannel.mux;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * The listening end of port forwarding: every connection accepted on a local address becomes a PORT_FORWARD
 * stream to a fixed target on the peer's side (which must allow it, see {@link PortForwardAcceptor}).
 * Refused or failed forwards close the local connection and are reported to the failure listener.
 */
public final class PortForwarder implements AutoCloseable {
    private final Channel server;

    private PortForwarder(Channel server) {
        this.server = server;
    }

    /**
     * Binds and starts forwarding. Blocks until bound; do not call on an event loop.
     *
     * @param listen    local address, typically {@code 127.0.0.1} with port 0 for any free port
     * @param onFailure told the local client's address and why its forward was refused or broke
     */
    public static PortForwarder listen(MuxSession session, EventLoopGroup group, InetSocketAddress listen,
                                       String targetHost, int targetPort,
                                       BiConsumer<InetSocketAddress, CloseReason> onFailure) throws InterruptedException {
        Objects.requireNonNull(session, "session");
        Map<String, String> target = Map.of(PortForwardAcceptor.HOST, targetHost,
                PortForwardAcceptor.PORT, Integer.toString(targetPort));
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        session.open(StreamKind.PORT_FORWARD, target).whenComplete((stream, e) -> {
                            if (e == null) {
                                SocketBridge.start(ch, stream);
                                stream.onClose(reason -> {
                                    if (!reason.isClean()) {
                                        onFailure.accept(ch.remoteAddress(), reason);
                                    }
                                });
                            } else {
                                onFailure.accept(ch.remoteAddress(), e instanceof MuxException me ? me.reason()
                                        : CloseReason.local(ErrorCode.INTERNAL_ERROR, e.toString()));
                                ch.close();
                            }
                        });
                    }
                })
                .bind(listen).sync().channel();
        return new PortForwarder(server);
    }

    /** Where local clients connect (with the real port when 0 was asked for). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) server.localAddress();
    }

    /** Stops accepting; forwards in progress continue until they end. */
    @Override
    public void close() {
        server.close().syncUninterruptibly();
    }
}
