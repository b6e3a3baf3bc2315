package org.attestedmigration.securechannel.tls;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Not an assertion: the floor under the attested handshake, i.e. TCP connect plus the mutual
 * TLS 1.3 handshake alone with the channel's own TLS material (prepared in advance), per engine,
 * on loopback, warm. Run with {@code -Dtls.bench=true}.
 */
class TlsHandshakeBenchmark {
    @Test
    @EnabledIfSystemProperty(named = "tls.bench", matches = "true")
    void mutualTls13HandshakeOnLoopback() throws Exception {
        for (TlsEngine engine : TlsEngine.values()) {
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
            PreparedTls contexts = PreparedTls.using(TlsContexts.using(engine, new SecureRandom(), Duration.ofSeconds(5)));
            try {
                Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class).childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(contexts.server().newHandler(c.alloc()));
                    }
                }).bind("127.0.0.1", 0).sync().channel();
                int port = ((InetSocketAddress) server.localAddress()).getPort();
                int warmup = 50;
                int runs = 100;
                double[] t = new double[runs];
                for (int i = 0; i < warmup + runs; i++) {
                    Thread.sleep(10); // let the next TLS material be prepared, as between real connections
                    long s = System.nanoTime();
                    ConnectionTls tls = contexts.client();
                    Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(tls.newHandler(c.alloc()));
                        }
                    }).connect("127.0.0.1", port).sync().channel();
                    ch.pipeline().get(SslHandler.class).handshakeFuture().sync();
                    if (i >= warmup) {
                        t[i - warmup] = (System.nanoTime() - s) / 1e6;
                    }
                    ch.close().sync();
                }
                Arrays.sort(t);
                System.out.printf("TLS 1.3 mutual handshake (client side, connect included), %s: median %.2f ms, p10 %.2f ms, p90 %.2f ms over %d%n",
                        engine, t[runs / 2], t[runs / 10], t[runs * 9 / 10], runs);
                server.close().sync();
            } finally {
                contexts.close();
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        }
    }
}
