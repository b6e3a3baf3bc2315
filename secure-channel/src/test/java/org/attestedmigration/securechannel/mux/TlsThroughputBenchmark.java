package org.attestedmigration.securechannel.mux;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.attestedmigration.securechannel.tls.TlsContexts;
import org.attestedmigration.securechannel.tls.TlsEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Throughput over TLS 1.3 on loopback, the same pipeline as an attested connection (TlsContexts, the
 * BoringSSL engine, one event loop group per host) without the TPMs: bare TLS (the ceiling) against one
 * BYTES stream, each round followed by the socat OpenSSL pipe of {@code scripts/bench-baselines.sh} for the
 * ratio. Not a test: run with
 * {@code mvn -o -pl secure-channel test -Dtest=TlsThroughputBenchmark -Dmux.bench=true [-Dmux.bench.bytes=N]
 * [-Dmux.bench.rounds=R] [-Dmux.bench.socat=false]}.
 */
@EnabledIfSystemProperty(named = "mux.bench", matches = "true")
class TlsThroughputBenchmark {
    private static final long BYTES = Long.getLong("mux.bench.bytes", 2L << 30);
    private static final int ROUNDS = Integer.getInteger("mux.bench.rounds", 3);
    private static final boolean SOCAT = Boolean.parseBoolean(System.getProperty("mux.bench.socat", "true"));
    private static final boolean WARMUP = Boolean.parseBoolean(System.getProperty("mux.bench.warmup", "true"));
    private static final boolean MUX_FIRST = Boolean.getBoolean("mux.bench.muxFirst");
    static final java.util.List<String> SHAPES = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    /** "bare" or "stream" to measure only one of them (for a profiler). */
    private static final String ONLY = System.getProperty("mux.bench.only", "");
    private static final int WRAP = Integer.getInteger("mux.bench.wrap", 0);
    private static final int READ = Integer.getInteger("mux.bench.read", 0);
    private static final int CHUNK = 256 * 1024;
    private static final int IN_FLIGHT = 16;
    private static final MuxConfig BULK = MuxConfig.defaults().withConnectionWindow(64 * 1024 * 1024)
            .withInitialStreamWindow(8 * 1024 * 1024).withMaxFramePayload(256 * 1024);

    @Test
    void bareTlsAgainstOneStream() throws Exception {
        TlsContexts contexts = TlsContexts.using(TlsEngine.preferred(), new SecureRandom(), Duration.ofSeconds(10));
        System.out.println("engine " + contexts.engine() + ", " + (BYTES >> 20) + " MiB per transfer");
        if (WARMUP) { // unreported transfers, so the JIT has compiled both paths before the first round
            measure(contexts, false, 256L << 20);
            measure(contexts, true, 256L << 20);
        }
        if (!SHAPES.isEmpty()) {
            java.util.Map<String, Long> counts = new java.util.TreeMap<>();
            SHAPES.forEach(x -> counts.merge(x, 1L, Long::sum));
            System.out.println("read shapes (readable/capacity): " + counts);
        }
        for (int round = 0; round < ROUNDS; round++) {
            long cpu0 = cpuNanos();
            double mux0 = MUX_FIRST ? measure(contexts, true, BYTES) : 0;
            long cpuMux0 = cpuNanos();
            double bare = ONLY.equals("stream") ? Double.NaN : measure(contexts, false, BYTES);
            long cpu1 = cpuNanos();
            double mux = MUX_FIRST ? mux0 : ONLY.equals("bare") ? Double.NaN : measure(contexts, true, BYTES);
            long cpu2 = cpuNanos();
            if (MUX_FIRST) {
                cpu2 = cpu1 + (cpuMux0 - cpu0);
                cpu0 = cpuMux0;
            }
            double socat = SOCAT ? socat(BYTES) : Double.NaN;
            double gib = BYTES / (double) (1L << 30);
            System.out.printf("round %d: bare TLS %.0f MB/s (%.2fx socat, %.2f CPU-s/GiB), 1 stream %.0f MB/s (%.2fx socat, %.0f%% of bare,"
                    + " %.2f CPU-s/GiB), socat %.0f MB/s%n", round + 1, bare, bare / socat, (cpu1 - cpu0) / 1e9 / gib, mux, mux / socat,
                    100 * mux / bare, (cpu2 - cpu1) / 1e9 / gib, socat);
        }
    }

    /** One connection between two event loop groups (as between two hosts), {@code bytes} from client to server. */
    private static double measure(TlsContexts contexts, boolean streams, long bytes) throws Exception {
        EventLoopGroup serverGroup = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("bench-receiver"), NioIoHandler.newFactory());
        EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("bench-sender"), NioIoHandler.newFactory());
        long writerCpu = THREADS.getCurrentThreadCpuTime();
        try {
            CompletableFuture<Long> done = new CompletableFuture<>();
            Consumer<Channel> serverEnd = streams ? ch -> MuxSession.install(ch, MuxRole.RESPONDER, BULK, sink(bytes, done))
                    : ch -> ch.pipeline().addLast(bareSink(bytes, done));
            Channel server = new ServerBootstrap().group(serverGroup).channel(NioServerSocketChannel.class)
                    .childHandler(tlsThen(contexts, false, serverEnd)).bind("127.0.0.1", 0).sync().channel();
            CompletableFuture<MuxSession> session = new CompletableFuture<>();
            Consumer<Channel> clientEnd = streams ? ch -> session.complete(MuxSession.install(ch, MuxRole.INITIATOR, BULK,
                    StreamAcceptor.rejectAll())) : ch -> { };
            Channel client = new Bootstrap().group(clientGroup).channel(NioSocketChannel.class)
                    .handler(tlsThen(contexts, true, clientEnd)).connect(server.localAddress()).sync().channel();
            client.pipeline().get(SslHandler.class).handshakeFuture().sync();
            long start = System.nanoTime();
            if (streams) {
                pushStream(session.get(5, TimeUnit.SECONDS).open(StreamKind.BYTES, Map.of()).get(5, TimeUnit.SECONDS), bytes);
            } else {
                pushBare(client, bytes);
            }
            long end = done.get(10, TimeUnit.MINUTES);
            writerCpu = THREADS.getCurrentThreadCpuTime() - writerCpu;
            if (bytes == BYTES) {
                double gib = bytes / (double) (1L << 30);
                System.out.printf("  %-6s CPU-s/GiB: sender loop %.2f, receiver loop %.2f, writer %.2f%n", streams ? "stream" : "bare",
                        loopCpu("bench-sender") / 1e9 / gib, loopCpu("bench-receiver") / 1e9 / gib, writerCpu / 1e9 / gib);
            }
            client.close().sync();
            server.close().sync();
            return bytes / ((end - start) / 1e9) / 1e6;
        } finally {
            clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static ChannelInitializer<Channel> tlsThen(TlsContexts contexts, boolean client, Consumer<Channel> then) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                SslHandler ssl = (client ? contexts.client() : contexts.server()).newHandler(ch.alloc());
                if (WRAP > 0) {
                    ssl.setWrapDataSize(WRAP);
                }
                if (READ > 0) {
                    ch.config().setRecvByteBufAllocator(new io.netty.channel.AdaptiveRecvByteBufAllocator(64, 2048, READ));
                }
                ch.pipeline().addLast(ssl);
                then.accept(ch);
            }
        };
    }

    private static ChannelInboundHandlerAdapter bareSink(long expected, CompletableFuture<Long> done) {
        return new ChannelInboundHandlerAdapter() {
            private long received;

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf b = (ByteBuf) msg;
                if (Boolean.getBoolean("mux.bench.shapes") && SHAPES.size() < 2000) {
                    SHAPES.add(b.readableBytes() + "/" + b.capacity() + " " + b.getClass().getSimpleName());
                }
                received += b.readableBytes();
                b.release();
                if (received >= expected) {
                    done.complete(System.nanoTime());
                }
            }
        };
    }

    private static StreamAcceptor sink(long expected, CompletableFuture<Long> done) {
        return in -> in.accept(new StreamReader() {
            private long received;

            @Override
            public void onData(MuxStream s, ByteBuf data, boolean endOfMessage) {
                int n = data.readableBytes();
                data.release();
                s.consumed(n);
                received += n;
                if (received >= expected) {
                    done.complete(System.nanoTime());
                }
            }
        });
    }

    private static void pushBare(Channel ch, long bytes) throws Exception {
        ByteBuf zeros = Unpooled.directBuffer(CHUNK).writeZero(CHUNK);
        ArrayDeque<ChannelFuture> inFlight = new ArrayDeque<>();
        for (long sent = 0; sent < bytes; sent += CHUNK) {
            inFlight.add(ch.writeAndFlush(zeros.retainedSlice(0, (int) Math.min(CHUNK, bytes - sent))));
            if (inFlight.size() >= IN_FLIGHT) {
                inFlight.poll().sync();
            }
        }
        for (ChannelFuture f : inFlight) {
            f.sync();
        }
        zeros.release();
    }

    private static void pushStream(MuxStream s, long bytes) throws Exception {
        ByteBuf zeros = Unpooled.directBuffer(CHUNK).writeZero(CHUNK);
        ArrayDeque<CompletableFuture<Void>> inFlight = new ArrayDeque<>();
        for (long sent = 0; sent < bytes; sent += CHUNK) {
            inFlight.add(s.write(zeros.retainedSlice(0, (int) Math.min(CHUNK, bytes - sent))));
            if (inFlight.size() >= IN_FLIGHT) {
                inFlight.poll().get(60, TimeUnit.SECONDS);
            }
        }
        for (CompletableFuture<Void> f : inFlight) {
            f.get(60, TimeUnit.SECONDS);
        }
        s.closeWrite().get(60, TimeUnit.SECONDS);
        zeros.release();
    }

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    /** CPU time so far of the live threads whose name starts with {@code prefix}. */
    private static long loopCpu(String prefix) {
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix)) {
                sum += Math.max(0, THREADS.getThreadCpuTime(t.getId()));
            }
        }
        return sum;
    }

    /** CPU time of the whole JVM (all threads, user and system). */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** MB/s of the socat OpenSSL TLS 1.3 pipe, from the repository's baseline script. */
    private static double socat(long bytes) throws IOException, InterruptedException {
        Path script = Path.of("..", "scripts", "bench-baselines.sh");
        if (!Files.isRegularFile(script)) {
            return Double.NaN;
        }
        Process p = new ProcessBuilder("bash", script.toString(), Long.toString(bytes)).redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Matcher m = Pattern.compile("\"transport\": \"socat[^}]*\"MBps\": ([0-9.]+)").matcher(out);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
}
