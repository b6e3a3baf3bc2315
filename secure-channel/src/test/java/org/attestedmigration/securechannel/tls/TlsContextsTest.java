package org.attestedmigration.securechannel.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Real TLS on loopback with both engines: TLS 1.3 only, mutual, fresh certificates, peer recorded. */
class TlsContextsTest {
    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** A server taking one connection with fresh TLS material; completes with what it established. */
    private record Server(Channel channel, CompletableFuture<EstablishedTls> established, CompletableFuture<ConnectionTls> tls) {
        int port() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }
    }

    private static Server server(TlsContexts contexts) throws InterruptedException {
        CompletableFuture<EstablishedTls> established = new CompletableFuture<>();
        CompletableFuture<ConnectionTls> material = new CompletableFuture<>();
        Channel ch = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class).childHandler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel c) {
                ConnectionTls tls = contexts.server();
                material.complete(tls);
                SslHandler handler = tls.newHandler(c.alloc());
                c.pipeline().addLast(handler);
                handler.handshakeFuture().addListener(f -> complete(f, tls, handler, established));
            }
        }).bind("127.0.0.1", 0).sync().channel();
        return new Server(ch, established, material);
    }

    private static void complete(Future<?> f, ConnectionTls tls, SslHandler handler, CompletableFuture<EstablishedTls> out) {
        if (!f.isSuccess()) {
            out.completeExceptionally(f.cause());
            return;
        }
        try {
            out.complete(tls.established(handler));
        } catch (Exception e) {
            out.completeExceptionally(e);
        }
    }

    private static CompletableFuture<EstablishedTls> client(ConnectionTls tls, int port) throws InterruptedException {
        CompletableFuture<EstablishedTls> established = new CompletableFuture<>();
        new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel c) {
                SslHandler handler = tls.newHandler(c.alloc());
                c.pipeline().addLast(handler);
                handler.handshakeFuture().addListener(f -> complete(f, tls, handler, established));
            }
        }).connect("127.0.0.1", port).sync();
        return established;
    }

    private static TlsContexts contexts(TlsEngine engine) {
        return TlsContexts.using(engine, new SecureRandom(), Duration.ofSeconds(5));
    }

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    void mutualTls13WithFreshSelfSignedCertificatesRecordsThePeer(TlsEngine engine) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(engine == TlsEngine.JDK || TlsEngine.preferred() == TlsEngine.OPENSSL,
                "BoringSSL unavailable: " + TlsEngine.openSslUnavailability());
        TlsContexts contexts = contexts(engine);
        Server server = server(contexts);
        try {
            ConnectionTls clientTls = contexts.client();
            EstablishedTls onClient = client(clientTls, server.port()).get(10, TimeUnit.SECONDS);
            EstablishedTls onServer = server.established().get(10, TimeUnit.SECONDS);
            assertEquals("TLSv1.3", onClient.protocol());
            assertEquals("TLSv1.3", onServer.protocol());
            assertTrue(TlsContexts.CIPHER_SUITES.contains(onClient.cipherSuite()), onClient.cipherSuite());
            assertEquals(engine, onClient.engine());
            assertEquals(server.tls().get().identity().certificate(), onClient.peerCertificate());
            assertEquals(clientTls.identity().certificate(), onServer.peerCertificate());
            assertArrayEquals(onClient.localPublicKeySha256(), onServer.peerPublicKeySha256());
            assertFalse(onClient.exporter().isPresent() && !KeyingMaterialExporter.runtimeSupportsExport());
            if (engine == TlsEngine.JDK && KeyingMaterialExporter.runtimeSupportsExport()) {
                assertTrue(onClient.exporter().isPresent() && onServer.exporter().isPresent(), "Java 25+ exports on the JDK engine");
            }
            if (onClient.exporter().isPresent() && onServer.exporter().isPresent()) {
                assertArrayEquals(onClient.exporter().get(), onServer.exporter().get(), "both ends export the same binding");
            }
        } finally {
            server.channel().close().sync();
        }
    }

    @Test
    void everyConnectionGetsItsOwnKey() {
        TlsContexts contexts = contexts(TlsEngine.JDK);
        assertNotEquals(contexts.client().identity().certificate().getPublicKey(), contexts.client().identity().certificate().getPublicKey());
    }

    @Test
    void connectionMaterialServesOneConnectionOnly() {
        ConnectionTls tls = contexts(TlsEngine.JDK).client();
        tls.newHandler(io.netty.buffer.ByteBufAllocator.DEFAULT);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> tls.newHandler(io.netty.buffer.ByteBufAllocator.DEFAULT));
    }

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    void tls12OnlyClientFailsTheHandshake(TlsEngine engine) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(engine == TlsEngine.JDK || TlsEngine.preferred() == TlsEngine.OPENSSL);
        Server server = server(contexts(engine));
        try {
            EphemeralIdentity id = EphemeralIdentity.generate(new SecureRandom());
            SslContext old = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).protocols("TLSv1.2")
                    .keyManager(new SingleKeyManager(id)).trustManager(InsecureTrustManagerFactory.INSTANCE).build();
            CompletableFuture<Void> clientDone = new CompletableFuture<>();
            new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel c) {
                    SslHandler h = old.newHandler(c.alloc());
                    c.pipeline().addLast(h);
                    h.handshakeFuture().addListener(f -> clientDone.complete(null));
                }
            }).connect("127.0.0.1", server.port()).sync();
            clientDone.get(10, TimeUnit.SECONDS);
            assertTrue(server.established().handle((v, e) -> e != null).get(10, TimeUnit.SECONDS), "the server refused TLS 1.2");
        } finally {
            server.channel().close().sync();
        }
    }

    @Test
    void clientWithoutCertificateIsRefused() throws Exception {
        Server server = server(contexts(TlsEngine.JDK));
        try {
            SslContext anonymous = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).protocols("TLSv1.3")
                    .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
            new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel c) {
                    c.pipeline().addLast(anonymous.newHandler(c.alloc()));
                }
            }).connect("127.0.0.1", server.port()).sync();
            assertTrue(server.established().handle((v, e) -> e != null).get(10, TimeUnit.SECONDS), "mutual authentication is required");
        } finally {
            server.channel().close().sync();
        }
    }
}
