package org.attestedmigration.securechannel.mux;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.Objects;

/**
 * The receiving end of port forwarding: for each PORT_FORWARD stream it checks {@code host}/{@code port}
 * against the allowlist, connects, and only then accepts the stream and pipes bytes. A forbidden target is
 * rejected with {@link ErrorCode#NOT_ALLOWED}, an unreachable one with {@link ErrorCode#CONNECT_FAILED}.
 */
public final class PortForwardAcceptor implements StreamAcceptor {
    /** OPEN metadata key for the target host. */
    public static final String HOST = "host";
    /** OPEN metadata key for the target port. */
    public static final String PORT = "port";

    private final ForwardAllowlist allowlist;
    private final EventLoopGroup group;
    private final int connectTimeoutMillis;

    public PortForwardAcceptor(ForwardAllowlist allowlist, EventLoopGroup group, int connectTimeoutMillis) {
        this.allowlist = Objects.requireNonNull(allowlist, "allowlist");
        this.group = Objects.requireNonNull(group, "group");
        this.connectTimeoutMillis = connectTimeoutMillis;
    }

    @Override
    public void onOpen(IncomingStream in) {
        String host = in.metadata().getOrDefault(HOST, "");
        int port;
        try {
            port = Integer.parseInt(in.metadata().getOrDefault(PORT, ""));
        } catch (NumberFormatException e) {
            in.reject(ErrorCode.PROTOCOL_ERROR, "port-forward request without a numeric port");
            return;
        }
        if (host.isEmpty() || port < 1 || port > 65535 || !allowlist.permits(host, port)) {
            in.reject(ErrorCode.NOT_ALLOWED, "forwarding to " + host + ":" + port + " is not allowed");
            return;
        }
        ChannelFuture connect = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                    }
                })
                .connect(host, port);
        connect.addListener(f -> {
            if (f.isSuccess()) {
                SocketBridge.start(connect.channel(), in.accept());
            } else {
                in.reject(ErrorCode.CONNECT_FAILED, "cannot connect to " + host + ":" + port + ": " + f.cause().getMessage());
            }
        });
    }
}
