package org.attestedmigration.securechannel.mux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Throughput of one BYTES stream over loopback TCP without TLS, to know the framing overhead. Not a test:
 * run with {@code mvn -o -pl secure-channel test -Dtest=ThroughputBenchmark -Dmux.bench=true}.
 */
@EnabledIfSystemProperty(named = "mux.bench", matches = "true")
class ThroughputBenchmark {
    private static final long TOTAL = 4L << 30;
    private static final int BLOCK = 1 << 20;

    @Test
    void oneBytesStream() throws Exception {
        for (int run = 0; run < 3; run++) {
            rawNetty();
            measure("event-loop writer, 1 MiB writes", false);
            measure("OutputStream writer, 1 MiB writes", true);
        }
    }

    /** The same bytes over a bare Netty connection, as the baseline the framing is compared with. */
    private static void rawNetty() throws Exception {
        var group = new io.netty.channel.MultiThreadIoEventLoopGroup(2, io.netty.channel.nio.NioIoHandler.newFactory());
        try {
            AtomicLong received = new AtomicLong();
            CompletableFuture<Long> done = new CompletableFuture<>();
            var server = new io.netty.bootstrap.ServerBootstrap().group(group)
                    .channel(io.netty.channel.socket.nio.NioServerSocketChannel.class)
                    .childHandler(new io.netty.channel.ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                            ByteBuf b = (ByteBuf) msg;
                            if (received.addAndGet(b.readableBytes()) >= TOTAL) {
                                done.complete(System.nanoTime());
                            }
                            b.release();
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            var ch = new io.netty.bootstrap.Bootstrap().group(group)
                    .channel(io.netty.channel.socket.nio.NioSocketChannel.class)
                    .handler(new io.netty.channel.ChannelInboundHandlerAdapter())
                    .connect(server.localAddress()).sync().channel();
            ByteBuf block = Unpooled.directBuffer(BLOCK).writeZero(BLOCK);
            Semaphore inFlight = new Semaphore(4);
            long start = System.nanoTime();
            for (long sent = 0; sent < TOTAL; sent += BLOCK) {
                inFlight.acquire();
                ch.writeAndFlush(block.retainedDuplicate()).addListener(f -> inFlight.release());
            }
            long end = done.get(120, TimeUnit.SECONDS);
            block.release();
            double secs = (end - start) / 1e9;
            System.out.printf("%-40s %d MiB in %.2f s = %.0f MB/s%n", "bare Netty (no mux), 1 MiB writes",
                    received.get() >> 20, secs, received.get() / secs / 1e6);
            ch.close();
            server.close();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static void measure(String label, boolean blocking) throws Exception {
        AtomicLong received = new AtomicLong();
        CompletableFuture<Long> done = new CompletableFuture<>();
        StreamAcceptor sink = in -> in.accept(new StreamReader() {
            @Override
            public void onData(MuxStream s, ByteBuf data, boolean eom) {
                int n = data.readableBytes();
                data.release();
                received.addAndGet(n);
                s.consumed(n);
            }

            @Override
            public void onEndOfStream(MuxStream s, Map<String, String> trailers) {
                done.complete(System.nanoTime());
            }
        });
        try (MuxHarness h = new MuxHarness(sink)) {
            MuxStream s = h.client.open(StreamKind.BYTES, Map.of()).get(5, TimeUnit.SECONDS);
            ByteBuf block = Unpooled.directBuffer(BLOCK).writeZero(BLOCK);
            long start = System.nanoTime();
            if (blocking) {
                byte[] heap = new byte[BLOCK];
                try (var out = s.outputStream()) {
                    for (long sent = 0; sent < TOTAL; sent += BLOCK) {
                        out.write(heap);
                    }
                }
            } else {
                Semaphore inFlight = new Semaphore(4); // keep a few blocks queued beyond the window
                for (long sent = 0; sent < TOTAL; sent += BLOCK) {
                    inFlight.acquire();
                    s.write(block.retainedDuplicate()).whenComplete((v, e) -> inFlight.release());
                }
                s.closeWrite();
            }
            long end = done.get(120, TimeUnit.SECONDS);
            block.release();
            double secs = (end - start) / 1e9;
            System.out.printf("%-40s %d MiB in %.2f s = %.0f MB/s%n", label, received.get() >> 20, secs,
                    received.get() / secs / 1e6);
        }
    }
}
