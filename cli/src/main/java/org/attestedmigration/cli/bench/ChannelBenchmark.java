package org.attestedmigration.cli.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.KeyAlgorithm;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.attestedmigration.attestation.txt.SampleLaunch;
import org.attestedmigration.cli.demo.Demo;
import org.attestedmigration.policy.Policy;
import org.attestedmigration.securechannel.AttestedSession;
import org.attestedmigration.securechannel.handshake.AttestedConnection;
import org.attestedmigration.securechannel.handshake.AttestedEndpoint;
import org.attestedmigration.securechannel.handshake.AttestedListener;
import org.attestedmigration.securechannel.handshake.MigrationRole;
import org.attestedmigration.securechannel.mux.IncomingStream;
import org.attestedmigration.securechannel.mux.MuxConfig;
import org.attestedmigration.securechannel.mux.MuxStream;
import org.attestedmigration.securechannel.mux.StreamKind;
import org.attestedmigration.securechannel.mux.StreamReader;

/**
 * The attested channel between two emulated hosts on this machine: the mutual attested handshake
 * (timed against the two TPM quotes it contains), then N bytes pushed over K BYTES streams.
 */
public final class ChannelBenchmark {
    /**
     * What one run measured. {@code cpuSecondsPerGiB} is the whole process's CPU time (both ends, all
     * threads) during the measured transfer, per GiB: unlike MB/s it barely moves when other work shares
     * the machine.
     */
    public record Result(String engine, int handshakes, double handshakeMedianMs, double quotesMs, double handshakeToQuotes,
            long bytes, int streams, long warmupBytes, double seconds, double megabytesPerSecond, double cpuSecondsPerGiB, BareTls bareTls,
            HandshakeBreakdown handshake) {
    }

    /**
     * Where the handshake time went: the first handshake (cold: the peers activate each other's
     * AK) apart, then per side the median of each step (wall clock, waiting included) and of each
     * work item over the other handshakes, in ms.
     */
    public record HandshakeBreakdown(double firstMs, String firstPeerAkTrust, String laterPeerAkTrust, double laterMedianMs,
            java.util.Map<String, Double> sourceMs, java.util.Map<String, Double> destinationMs) {
    }

    /** The same bytes over another attested connection without the stream layer (null when not measured). */
    public record BareTls(double seconds, double megabytesPerSecond, double cpuSecondsPerGiB) {
    }

    /** What to measure besides the handshake. */
    public record Settings(long bytes, int streams, int handshakes, long warmupBytes, boolean bareTls) {
    }

    private static final int CHUNK = 256 * 1024;
    private static final int IN_FLIGHT = 16;
    /** Bulk transfer settings: 256 KiB frames and 8 MiB windows keep the TLS records full and the pipe busy. */
    private static final MuxConfig MUX = MuxConfig.defaults().withConnectionWindow(64 * 1024 * 1024).withInitialStreamWindow(8 * 1024 * 1024)
            .withMaxFramePayload(256 * 1024);

    private ChannelBenchmark() {
    }

    /**
     * Boots two emulated hosts, times the handshakes, then pushes the bytes: first, when asked, over a
     * second attested connection without the stream layer (the ceiling in this same run), then over
     * BYTES streams. Each transfer is preceded by {@code warmupBytes} that are not timed, over the same
     * connection, so that the JIT has compiled the path before the clock starts.
     */
    public static Result run(Path dir, Settings settings) throws Exception {
        try (EmulatedHost source = EmulatedHost.boot("source", dir.resolve("source"), SampleLaunch.trusted().components());
                EmulatedHost destination = EmulatedHost.boot("destination", dir.resolve("destination"), SampleLaunch.trusted().components())) {
            Policy policy = Demo.enrollPair(source, destination);
            double quotesMs = quoteMs(source) + quoteMs(destination);
            try (Tpm srcTpm = source.openTpm(); Tpm dstTpm = destination.openTpm();
                    AttestedEndpoint src = AttestedEndpoint.builder(source.name(), srcTpm, source.eventLog().encode(), policy).build();
                    AttestedEndpoint dst = AttestedEndpoint.builder(destination.name(), dstTpm, destination.eventLog().encode(), policy).build()) {
                // The destination's ends, found by the source's local port: the source decides what each carries.
                Map<Integer, CompletableFuture<AttestedConnection>> accepted = new ConcurrentHashMap<>();
                try (AttestedListener listener = dst.listen(new InetSocketAddress("127.0.0.1", 0),
                        conn -> serverEnd(accepted, port(conn.channel().remoteAddress())).complete(conn), failure -> { })) {
                    int port = listener.address().getPort();
                    double[] times = new double[settings.handshakes()];
                    List<AttestedConnection> sourceSides = new ArrayList<>();
                    List<AttestedConnection> destinationSides = new ArrayList<>();
                    AttestedConnection last = null;
                    for (int i = 0; i < times.length; i++) {
                        AttestedConnection c = src.connect("127.0.0.1", port, MigrationRole.SOURCE).get(30, TimeUnit.SECONDS);
                        sourceSides.add(c);
                        destinationSides.add(serverEnd(accepted, port(c.channel().localAddress())).get(10, TimeUnit.SECONDS));
                        times[i] = c.handshakeTime().toNanos() / 1e6;
                        if (i < times.length - 1) {
                            c.close();
                        } else {
                            last = c;
                        }
                    }
                    HandshakeBreakdown breakdown = breakdown(sourceSides, destinationSides);
                    java.util.Arrays.sort(times);
                    double median = times[times.length / 2];
                    BareTls bare = null;
                    if (settings.bareTls()) {
                        AttestedConnection c = src.connect("127.0.0.1", port, MigrationRole.SOURCE).get(30, TimeUnit.SECONDS);
                        try {
                            bare = pushBare(c, serverEnd(accepted, port(c.channel().localAddress())).get(10, TimeUnit.SECONDS), settings);
                        } finally {
                            c.close();
                        }
                    }
                    ReceivedBytes received = new ReceivedBytes();
                    AttestedConnection serverEnd = serverEnd(accepted, port(last.channel().localAddress())).get(10, TimeUnit.SECONDS);
                    try (AttestedSession server = AttestedSession.start(serverEnd, MUX, in -> accept(in, received)).get(10, TimeUnit.SECONDS);
                            AttestedSession session = AttestedSession.start(last, MUX, in -> in.reject(
                                    org.attestedmigration.securechannel.mux.ErrorCode.NOT_ALLOWED, "bench source accepts no streams"))
                                    .get(10, TimeUnit.SECONDS)) {
                        if (settings.warmupBytes() > 0) {
                            CompletableFuture<Void> warm = received.expect(settings.warmupBytes());
                            push(session, settings.warmupBytes(), settings.streams());
                            warm.get(10, TimeUnit.MINUTES);
                        }
                        Clock clock = Clock.start(received.expect(settings.bytes()));
                        push(session, settings.bytes(), settings.streams());
                        clock.awaitArrival();
                        return new Result(last.engine().name(), settings.handshakes(), median, quotesMs, median / quotesMs, settings.bytes(),
                                settings.streams(), settings.warmupBytes(), clock.seconds(), clock.megabytesPerSecond(settings.bytes()),
                                clock.cpuSecondsPerGiB(settings.bytes()), bare, breakdown);
                    }
                }
            }
        }
    }

    private static HandshakeBreakdown breakdown(List<AttestedConnection> source, List<AttestedConnection> destination) {
        AttestedConnection first = source.get(0);
        List<AttestedConnection> later = source.size() > 1 ? source.subList(1, source.size()) : source;
        List<AttestedConnection> laterDestination = destination.size() > 1 ? destination.subList(1, destination.size()) : destination;
        double[] totals = later.stream().mapToDouble(c -> c.handshakeTime().toNanos() / 1e6).sorted().toArray();
        return new HandshakeBreakdown(first.handshakeTime().toNanos() / 1e6, first.peerAkTrust().name(),
                later.get(later.size() - 1).peerAkTrust().name(), totals[totals.length / 2], medians(later), medians(laterDestination));
    }

    /** Median per step ("step.X") and per work item ("work.X"), in ms, over the connections that have it. */
    private static java.util.Map<String, Double> medians(List<AttestedConnection> connections) {
        java.util.Map<String, List<Double>> all = new java.util.TreeMap<>();
        for (AttestedConnection c : connections) {
            c.timings().steps().forEach((k, v) -> all.computeIfAbsent("step." + k, x -> new ArrayList<>()).add(v.toNanos() / 1e6));
            c.timings().work().forEach((k, v) -> all.computeIfAbsent("work." + k, x -> new ArrayList<>()).add(v.toNanos() / 1e6));
        }
        java.util.Map<String, Double> out = new java.util.LinkedHashMap<>();
        all.forEach((k, v) -> {
            double[] sorted = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            out.put(k, Math.round(sorted[sorted.length / 2] * 100) / 100.0);
        });
        return out;
    }

    private static CompletableFuture<AttestedConnection> serverEnd(Map<Integer, CompletableFuture<AttestedConnection>> accepted, int port) {
        return accepted.computeIfAbsent(port, p -> new CompletableFuture<>());
    }

    private static int port(java.net.SocketAddress address) {
        return ((InetSocketAddress) address).getPort();
    }

    private static BareTls pushBare(AttestedConnection client, AttestedConnection server, Settings settings) throws Exception {
        ReceivedBytes received = new ReceivedBytes();
        server.open(pipeline -> BareTlsPush.installSink(pipeline, received));
        io.netty.channel.Channel channel = client.open(pipeline -> { });
        if (settings.warmupBytes() > 0) {
            CompletableFuture<Void> warm = received.expect(settings.warmupBytes());
            BareTlsPush.push(channel, settings.warmupBytes(), CHUNK, IN_FLIGHT);
            warm.get(10, TimeUnit.MINUTES);
        }
        Clock clock = Clock.start(received.expect(settings.bytes()));
        BareTlsPush.push(channel, settings.bytes(), CHUNK, IN_FLIGHT);
        clock.awaitArrival();
        return new BareTls(clock.seconds(), clock.megabytesPerSecond(settings.bytes()), clock.cpuSecondsPerGiB(settings.bytes()));
    }

    /** Every BYTES stream the source opens is drained into {@code received}. */
    private static void accept(IncomingStream in, ReceivedBytes received) {
        in.accept(new StreamReader() {
            @Override
            public void onData(MuxStream stream, ByteBuf data, boolean endOfMessage) {
                int n = data.readableBytes();
                data.release();
                stream.consumed(n);
                received.add(n);
            }
        });
    }

    /** Opens {@code streams} BYTES streams and writes the bytes over them, one writer thread each, then half-closes them. */
    private static void push(AttestedSession session, long bytes, int streams) throws Exception {
        List<MuxStream> opened = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            opened.add(session.streams().open(StreamKind.BYTES, Map.of()).get(10, TimeUnit.SECONDS));
        }
        ByteBuf zeros = Unpooled.directBuffer(CHUNK).writeZero(CHUNK);
        try {
            List<Thread> writers = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                MuxStream s = opened.get(i);
                long share = bytes / streams + (i == 0 ? bytes % streams : 0);
                Thread t = new Thread(() -> write(s, zeros, share), "bench-writer-" + i);
                t.start();
                writers.add(t);
            }
            for (Thread t : writers) {
                t.join();
            }
        } finally {
            zeros.release();
        }
    }

    /** Writes slices of one shared zero buffer, waiting on the write futures for backpressure. */
    private static void write(MuxStream s, ByteBuf zeros, long share) {
        try {
            // Keep a few writes in flight so the writer never idles on a round trip to the event loop.
            java.util.ArrayDeque<CompletableFuture<Void>> inFlight = new java.util.ArrayDeque<>();
            for (long sent = 0; sent < share; sent += CHUNK) {
                int n = (int) Math.min(CHUNK, share - sent);
                inFlight.add(s.write(zeros.retainedSlice(0, n)));
                if (inFlight.size() >= IN_FLIGHT) {
                    inFlight.poll().get(60, TimeUnit.SECONDS);
                }
            }
            for (CompletableFuture<Void> f : inFlight) {
                f.get(60, TimeUnit.SECONDS);
            }
            s.closeWrite().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            s.reset("bench writer failed: " + e.getMessage());
        }
    }

    private static double quoteMs(EmulatedHost host) throws Exception {
        try (Tpm tpm = host.openTpm()) {
            var ak = tpm.createAttestationKey(KeyAlgorithm.ECC_P256);
            List<PcrSelection> sel = List.of(PcrSelection.of(HashAlgorithm.SHA256, 0, 17, 18, 19));
            byte[] nonce = new byte[32];
            for (int i = 0; i < 10; i++) {
                tpm.quote(ak, nonce, sel);
            }
            Timings t = Timings.measure("quote", 0, 20, () -> tpm.quote(ak, nonce, sel));
            return t.medianMs();
        }
    }

}
