package org.attestedmigration.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.attestedmigration.cli.bench.AttestationBenchmark;
import org.attestedmigration.cli.bench.Baselines;
import org.attestedmigration.cli.bench.ChannelBenchmark;
import org.attestedmigration.cli.bench.PolicyBenchmark;
import org.attestedmigration.cli.bench.Timings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attested-migrate bench ...}: benchmarks that print figures (never timed unit tests). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks; the figures go to docs/benchmarks.md.",
        subcommands = {BenchCommand.Attestation.class, BenchCommand.PolicyBench.class, BenchCommand.Channel.class})
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "attestation", mixinStandardHelpOptions = true,
            description = "Time AK creation, quotes, evidence verification and AK activation on a fresh swtpm after an emulated TXT launch.")
    static final class Attestation implements Callable<Integer> {
        @Option(names = "--runs", defaultValue = "50", description = "measured runs per operation (default ${DEFAULT-VALUE})")
        int runs;

        @Option(names = "--warmup", defaultValue = "10", description = "unmeasured runs first (default ${DEFAULT-VALUE})")
        int warmup;

        @Option(names = "--json", description = "print JSON instead of a table")
        boolean json;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (runs < 1 || warmup < 0) {
                throw new UserInputException("--runs must be at least 1 and --warmup at least 0");
            }
            return report(spec, json, (dir, progress) -> AttestationBenchmark.run(dir, warmup, runs, progress));
        }
    }

    @Command(name = "policy", mixinStandardHelpOptions = true,
            description = "Time the policy signature check, strict load and evaluation for an enrolled reference host and a fleet of N more hosts.")
    static final class PolicyBench implements Callable<Integer> {
        @Option(names = "--runs", defaultValue = "200", description = "measured runs per operation (default ${DEFAULT-VALUE})")
        int runs;

        @Option(names = "--warmup", defaultValue = "50", description = "unmeasured runs first (default ${DEFAULT-VALUE})")
        int warmup;

        @Option(names = "--hosts", defaultValue = "0", description = "identity-only hosts added to the policy (default ${DEFAULT-VALUE})")
        int hosts;

        @Option(names = "--json", description = "print JSON instead of a table")
        boolean json;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (runs < 1 || warmup < 0 || hosts < 0) {
                throw new UserInputException("--runs must be at least 1; --warmup and --hosts at least 0");
            }
            return report(spec, json, (dir, progress) -> PolicyBenchmark.run(dir, warmup, runs, hosts, progress));
        }
    }

    @Command(name = "channel", mixinStandardHelpOptions = true,
            description = {"Two emulated hosts on this machine: time the mutual attested handshake (median of --handshakes, against",
                    "the two TPM quotes in it), then push --bytes over --streams BYTES streams of the attested TLS 1.3 channel.",
                    "Compare with scripts/bench-baselines.sh BYTES (socat OpenSSL TLS 1.3 pipe, ssh)."})
    static final class Channel implements Callable<Integer> {
        @Option(names = "--bytes", defaultValue = "1073741824", description = "bytes to push (default ${DEFAULT-VALUE})")
        long bytes;

        @Option(names = "--streams", defaultValue = "1", description = "BYTES streams sharing them (default ${DEFAULT-VALUE})")
        int streams;

        @Option(names = "--handshakes", defaultValue = "20", description = "handshakes timed (default ${DEFAULT-VALUE})")
        int handshakes;

        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Option(names = "--no-baselines", description = "skip the socat OpenSSL TLS 1.3 and ssh baselines")
        boolean noBaselines;

        @Option(names = "--bare-tls", description = "first push the bytes over another attested connection without streams (the TLS ceiling)")
        boolean bareTls;

        @Option(names = "--warmup", defaultValue = "2147483648",
                description = "bytes pushed untimed over the same connection before each timed transfer, so the JIT is done (default ${DEFAULT-VALUE})")
        long warmup;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (bytes < 1 || streams < 1 || streams > 64 || handshakes < 1 || warmup < 0) {
                throw new UserInputException("--bytes and --handshakes must be positive, --streams 1..64, --warmup at least 0");
            }
            Path dir = Files.createTempDirectory("attested-migrate-bench");
            try {
                ChannelBenchmark.Result r = ChannelBenchmark.run(dir, new ChannelBenchmark.Settings(bytes, streams, handshakes, warmup, bareTls));
                List<Baselines.Figure> baselines = noBaselines ? List.of() : Baselines.measure(dir, bytes);
                PrintWriter out = spec.commandLine().getOut();
                if (json) {
                    var node = new ObjectMapper().createObjectNode();
                    node.set("channel", new ObjectMapper().valueToTree(r));
                    node.set("baselines", new ObjectMapper().valueToTree(baselines));
                    out.println(new ObjectMapper().writeValueAsString(node));
                } else {
                    out.printf("TLS engine %s; attested handshake median %.1f ms over %d (two TPM quotes %.2f ms: %.0fx)%n", r.engine(),
                            r.handshakeMedianMs(), r.handshakes(), r.quotesMs(), r.handshakeToQuotes());
                    if (r.bareTls() != null) {
                        out.printf("bare TLS connection (no streams): %d bytes in %.2f s: %.1f MB/s, %.2f CPU-s/GiB%n", r.bytes(),
                                r.bareTls().seconds(), r.bareTls().megabytesPerSecond(), r.bareTls().cpuSecondsPerGiB());
                    }
                    out.printf("attested channel: %d bytes over %d stream(s) in %.2f s (after %d untimed): %.1f MB/s, %.2f CPU-s/GiB%n", r.bytes(),
                            r.streams(), r.seconds(), r.warmupBytes(), r.megabytesPerSecond(), r.cpuSecondsPerGiB());
                    for (Baselines.Figure f : baselines) {
                        if (f.skipped() != null) {
                            out.printf("%s: skipped (%s)%n", f.transport(), f.skipped());
                        } else {
                            out.printf("%s: %.1f MB/s (attested channel: %.2fx%s)%n", f.transport(), f.megabytesPerSecond(),
                                    r.megabytesPerSecond() / f.megabytesPerSecond(), r.bareTls() == null ? ""
                                            : String.format(", bare TLS: %.2fx", r.bareTls().megabytesPerSecond() / f.megabytesPerSecond()));
                        }
                    }
                }
            } finally {
                DemoCommand.deleteTree(dir);
            }
            return ExitCode.OK;
        }
    }

    /** A benchmark run in a scratch directory, reporting each figure as it is measured. */
    interface Benchmark {
        List<Timings> run(Path dir, java.util.function.Consumer<Timings> progress) throws Exception;
    }

    static int report(picocli.CommandLine.Model.CommandSpec spec, boolean json, Benchmark benchmark) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("attested-migrate-bench");
        try {
            if (!json) {
                out.printf("%-86s %6s %9s %9s %9s%n", "operation", "runs", "median ms", "p90 ms", "min ms");
            }
            List<Timings> results = benchmark.run(dir, t -> {
                if (!json) {
                    out.printf("%-86s %6d %9.3f %9.3f %9.3f%n", t.operation(), t.runs(), t.medianMs(), t.p90Ms(), t.minMs());
                    out.flush();
                }
            });
            if (json) {
                out.println(new ObjectMapper().writeValueAsString(results));
            }
        } finally {
            DemoCommand.deleteTree(dir);
        }
        return ExitCode.OK;
    }
}
