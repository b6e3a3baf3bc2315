package org.attestedmigration.cli.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
    /** What one run measured. */
    public record Result(String engine, int handshakes, double handshakeMedianMs, double quotesMs, double handshakeToQuotes,
            long bytes, int streams, double seconds, double megabytesPerSecond, HandshakeBreakdown handshake) {
    }

    /**
     * Where the handshake time went: the first handshake (cold: the peers activate each other's
     * AK) apart, then per side the median of each step (wall clock, waiting included) and of each
     * work item over the other handshakes, in ms.
     */
    public record HandshakeBreakdown(double firstMs, String firstPeerAkTrust, String laterPeerAkTrust, double laterMedianMs,
            java.util.Map<String, Double> sourceMs, java.util.Map<String, Double> destinationMs) {
    }

    private static final int CHUNK = 256 * 1024;
    private static final int IN_FLIGHT = 16;
    /** Bulk transfer settings: 256 KiB frames and 8 MiB windows keep the TLS records full and the pipe busy. */
    private static final MuxConfig MUX = MuxConfig.defaults().withConnectionWindow(64 * 1024 * 1024).withInitialStreamWindow(8 * 1024 * 1024)
            .withMaxFramePayload(256 * 1024);

    private ChannelBenchmark() {
    }

    public static Result run(Path dir, long bytes, int streams, int handshakes) throws Exception {
        try (EmulatedHost source = EmulatedHost.boot("source", dir.resolve("source"), SampleLaunch.trusted().components());
                EmulatedHost destination = EmulatedHost.boot("destination", dir.resolve("destination"), SampleLaunch.trusted().components())) {
            Policy policy = Demo.enrollPair(source, destination);
            double quotesMs = quoteMs(source) + quoteMs(destination);
            try (Tpm srcTpm = source.openTpm(); Tpm dstTpm = destination.openTpm();
                    AttestedEndpoint src = AttestedEndpoint.builder(source.name(), srcTpm, source.eventLog().encode(), policy).build();
                    AttestedEndpoint dst = AttestedEndpoint.builder(destination.name(), dstTpm, destination.eventLog().encode(), policy).build()) {
                AtomicLong received = new AtomicLong();
                CompletableFuture<Void> allReceived = new CompletableFuture<>();
                List<AttestedSession> serverSessions = new java.util.concurrent.CopyOnWriteArrayList<>();
                List<AttestedConnection> destinationSides = new java.util.concurrent.CopyOnWriteArrayList<>();
                try (AttestedListener listener = dst.listen(new InetSocketAddress("127.0.0.1", 0),
                        conn -> {
                            destinationSides.add(conn);
                            AttestedSession.start(conn, MUX, in -> accept(in, received, bytes, allReceived)).thenAccept(serverSessions::add);
                        },
                        failure -> { })) {
                    double[] times = new double[handshakes];
                    List<AttestedConnection> sourceSides = new ArrayList<>();
                    AttestedConnection last = null;
                    for (int i = 0; i < handshakes; i++) {
                        AttestedConnection c = src.connect("127.0.0.1", listener.address().getPort(), MigrationRole.SOURCE)
                                .get(30, TimeUnit.SECONDS);
                        sourceSides.add(c);
                        times[i] = c.handshakeTime().toNanos() / 1e6;
                        if (i < handshakes - 1) {
                            c.close();
                        } else {
                            last = c;
                        }
                    }
                    // The destination's side of the last connection may still be arriving: take a snapshot.
                    HandshakeBreakdown breakdown = breakdown(sourceSides, List.copyOf(destinationSides));
                    java.util.Arrays.sort(times);
                    double median = times[times.length / 2];
                    try (AttestedSession session = AttestedSession.start(last, MUX, in -> in.reject(
                            org.attestedmigration.securechannel.mux.ErrorCode.NOT_ALLOWED, "bench source accepts no streams"))
                            .get(10, TimeUnit.SECONDS)) {
                        long start = System.nanoTime();
                        push(session, bytes, streams);
                        allReceived.get(10, TimeUnit.MINUTES);
                        double seconds = (System.nanoTime() - start) / 1e9;
                        return new Result(last.engine().name(), handshakes, median, quotesMs, median / quotesMs, bytes, streams, seconds,
                                bytes / seconds / 1e6, breakdown);
                    } finally {
                        serverSessions.forEach(AttestedSession::close);
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

    private static void accept(IncomingStream in, AtomicLong received, long expected, CompletableFuture<Void> done) {
        in.accept(new StreamReader() {
            @Override
            public void onData(MuxStream stream, ByteBuf data, boolean endOfMessage) {
                int n = data.readableBytes();
                data.release();
                stream.consumed(n);
                if (received.addAndGet(n) >= expected) {
                    done.complete(null);
                }
            }
        });
    }

    /** Writes from one shared zero buffer, waiting on each stream's write future for backpressure. */
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
                Thread t = new Thread(() -> {
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
                }, "bench-writer-" + i);
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
