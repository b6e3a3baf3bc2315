package org.attestedmigration.securechannel.mux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The multiplexer depends on no socket feature: it runs unchanged over Netty's in-VM transport. */
@Timeout(30)
class LocalChannelTest {

    @Test
    void streamsWorkOverALocalChannel() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, LocalIoHandler.newFactory());
        try {
            LocalAddress address = new LocalAddress("mux-test-" + System.nanoTime());
            Channel server = new ServerBootstrap().group(group).channel(LocalServerChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            MuxSession.install(ch, MuxRole.RESPONDER, MuxConfig.defaults(), MuxStreamTest.echo());
                        }
                    }).bind(address).sync().channel();
            CompletableFuture<MuxSession> client = new CompletableFuture<>();
            new Bootstrap().group(group).channel(LocalChannel.class).handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    client.complete(MuxSession.install(ch, MuxRole.INITIATOR, MuxConfig.defaults(),
                            StreamAcceptor.rejectAll()));
                }
            }).connect(address).sync();
            MuxStream s = client.get(5, TimeUnit.SECONDS).open(StreamKind.BYTES, Map.of()).get(5, TimeUnit.SECONDS);
            byte[] payload = new byte[3_000_000];
            new Random(1).nextBytes(payload);
            InputStream in = s.inputStream();
            CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
                try {
                    return in.readAllBytes();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            try (OutputStream out = s.outputStream()) {
                out.write(payload);
            }
            assertArrayEquals(payload, back.get(20, TimeUnit.SECONDS));
            assertEquals(ErrorCode.NO_ERROR, s.closeFuture().get(5, TimeUnit.SECONDS).code());
            client.get().channel().close().sync();
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
