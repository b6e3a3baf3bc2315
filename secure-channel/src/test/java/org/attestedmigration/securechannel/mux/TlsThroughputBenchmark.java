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
 * [-Dmux.bench.rounds=R] [-Dmux.bench.socat=false] [-Dmux.bench.warmup=false] [-Dmux.bench.modes=BARE,STREAM,STREAM_IO]}.
 */
@EnabledIfSystemProperty(named = "mux.bench", matches = "true")
class TlsThroughputBenchmark {
    private static final long BYTES = Long.getLong("mux.bench.bytes", 2L << 30);
    private static final int ROUNDS = Integer.getInteger("mux.bench.rounds", 3);
    private static final boolean SOCAT = Boolean.parseBoolean(System.getProperty("mux.bench.socat", "true"));
    private static final boolean WARMUP = Boolean.parseBoolean(System.getProperty("mux.bench.warmup", "true"));
    private static final int CHUNK = 256 * 1024;
    private static final int IN_FLIGHT = 16;
    private static final MuxConfig BULK = MuxConfig.defaults().withConnectionWindow(64 * 1024 * 1024)
            .withInitialStreamWindow(8 * 1024 * 1024).withMaxFramePayload(256 * 1024);

    /** What carries the bytes. */
    enum Mode {
        /** Buffers written straight to the TLS channel, counted at the other end: the ceiling. */
        BARE,
        /** One BYTES stream, written with {@link MuxStream#write} and drained by a {@link StreamReader} on the event loop. */
        STREAM,
        /**
         * One BYTES stream through the blocking streams, as the replicator uses them: a DataOutputStream over a
         * 256 KiB BufferedOutputStream writing (offset, length, 64 KiB chunk) records, read back with readLong,
         * readInt and readFully on a reader thread.
         */
        STREAM_IO
    }

    private static final java.util.List<Mode> MODES = java.util.Arrays.stream(System.getProperty("mux.bench.modes", "BARE,STREAM,STREAM_IO")
            .split(",")).map(String::trim).map(Mode::valueOf).toList();

    /** One timed transfer: MB/s and CPU seconds per GiB of the whole JVM and of each side's event loop. */
    private record Transfer(double megabytesPerSecond, double cpu, double senderLoop, double receiverLoop) {
    }

    @Test
    void bareTlsAgainstOneStream() throws Exception {
        TlsContexts contexts = TlsContexts.using(TlsEngine.preferred(), new SecureRandom(), Duration.ofSeconds(10));
        System.out.println("engine " + contexts.engine() + ", " + (BYTES >> 20) + " MiB per transfer");
        if (WARMUP) { // unreported transfers, so the JIT has compiled every path before the first round
            for (Mode m : MODES) {
                measure(contexts, m, 256L << 20);
            }
        }
        for (int round = 0; round < ROUNDS; round++) {
            StringBuilder line = new StringBuilder("round " + (round + 1) + ":");
            java.util.Map<Mode, Transfer> results = new java.util.EnumMap<>(Mode.class);
            for (Mode m : MODES) {
                results.put(m, measure(contexts, m, BYTES));
            }
            double socat = SOCAT ? socat(BYTES) : Double.NaN;
            results.forEach((m, t) -> line.append(String.format(" %s %.0f MB/s (%.2fx socat; CPU-s/GiB %.2f: sender loop %.2f, receiver loop %.2f);",
                    m, t.megabytesPerSecond(), t.megabytesPerSecond() / socat, t.cpu(), t.senderLoop(), t.receiverLoop())));
            line.append(String.format(" socat %.0f MB/s", socat));
            System.out.println(line);
        }
    }

    /** One connection between two event loop groups (as between two hosts), {@code bytes} from client to server. */
    private static Transfer measure(TlsContexts contexts, Mode mode, long bytes) throws Exception {
        EventLoopGroup serverGroup = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("bench-receiver"), NioIoHandler.newFactory());
        EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("bench-sender"), NioIoHandler.newFactory());
        try {
            CompletableFuture<Long> done = new CompletableFuture<>();
            Consumer<Channel> serverEnd = switch (mode) {
                case BARE -> ch -> ch.pipeline().addLast(bareSink(bytes, done));
                case STREAM -> ch -> MuxSession.install(ch, MuxRole.RESPONDER, BULK, sink(bytes, done));
                case STREAM_IO -> ch -> MuxSession.install(ch, MuxRole.RESPONDER, BULK, recordReader(bytes, done));
            };
            Channel server = new ServerBootstrap().group(serverGroup).channel(NioServerSocketChannel.class)
                    .childHandler(tlsThen(contexts, false, serverEnd)).bind("127.0.0.1", 0).sync().channel();
            CompletableFuture<MuxSession> session = new CompletableFuture<>();
            Consumer<Channel> clientEnd = mode == Mode.BARE ? ch -> { }
                    : ch -> session.complete(MuxSession.install(ch, MuxRole.INITIATOR, BULK, StreamAcceptor.rejectAll()));
            Channel client = new Bootstrap().group(clientGroup).channel(NioSocketChannel.class)
                    .handler(tlsThen(contexts, true, clientEnd)).connect(server.localAddress()).sync().channel();
            client.pipeline().get(SslHandler.class).handshakeFuture().sync();
            long senderCpu = loopCpu("bench-sender");
            long receiverCpu = loopCpu("bench-receiver");
            long cpu = cpuNanos();
            long start = System.nanoTime();
            switch (mode) {
                case BARE -> pushBare(client, bytes);
                case STREAM -> pushStream(session.get(5, TimeUnit.SECONDS).open(StreamKind.BYTES, Map.of()).get(5, TimeUnit.SECONDS), bytes);
                case STREAM_IO -> writeRecords(session.get(5, TimeUnit.SECONDS).open(StreamKind.BYTES, Map.of()).get(5, TimeUnit.SECONDS), bytes);
            }
            long end = done.get(10, TimeUnit.MINUTES);
            double gib = bytes / (double) (1L << 30);
            Transfer t = new Transfer(bytes / ((end - start) / 1e9) / 1e6, (cpuNanos() - cpu) / 1e9 / gib,
                    (loopCpu("bench-sender") - senderCpu) / 1e9 / gib, (loopCpu("bench-receiver") - receiverCpu) / 1e9 / gib);
            client.close().sync();
            server.close().sync();
            return t;
        } finally {
            clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static final int RECORD = 64 * 1024;

    private static void writeRecords(MuxStream s, long bytes) throws IOException {
        byte[] chunk = new byte[RECORD];
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(new java.io.BufferedOutputStream(s.outputStream(), 256 * 1024))) {
            for (long sent = 0; sent < bytes; sent += RECORD) {
                out.writeLong(sent);
                out.writeInt(RECORD);
                out.write(chunk);
            }
        }
    }

    private static StreamAcceptor recordReader(long bytes, CompletableFuture<Long> done) {
        return in -> {
            MuxStream s = in.accept();
            Thread reader = new Thread(() -> {
                byte[] chunk = new byte[RECORD];
                try (java.io.DataInputStream din = new java.io.DataInputStream(s.inputStream())) {
                    for (long got = 0; got < bytes; got += RECORD) {
                        din.readLong();
                        din.readFully(chunk, 0, din.readInt());
                    }
                    done.complete(System.nanoTime());
                } catch (IOException e) {
                    done.completeExceptionally(e);
                }
            }, "bench-record-reader");
            reader.setDaemon(true);
            reader.start();
        };
    }

    private static ChannelInitializer<Channel> tlsThen(TlsContexts contexts, boolean client, Consumer<Channel> then) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast((client ? contexts.client() : contexts.server()).newHandler(ch.alloc()));
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
