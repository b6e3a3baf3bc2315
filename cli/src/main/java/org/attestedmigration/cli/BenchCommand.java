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
import org.attestedmigration.cli.bench.MigrationBenchmark;
import org.attestedmigration.cli.bench.MigrationFigures;
import org.attestedmigration.cli.bench.MigrationReport;
import org.attestedmigration.cli.bench.PolicyBenchmark;
import org.attestedmigration.cli.bench.Timings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attested-migrate bench ...}: benchmarks that print figures (never timed unit tests). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks; the figures go to docs/benchmarks.md.",
        subcommands = {BenchCommand.Attestation.class, BenchCommand.PolicyBench.class, BenchCommand.Channel.class,
                BenchCommand.Migration.class})
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
                    ChannelBenchmark.HandshakeBreakdown h = r.handshake();
                    out.printf("  first handshake %.1f ms (peer AK %s); later ones median %.1f ms (peer AK %s)%n", h.firstMs(),
                            h.firstPeerAkTrust().toLowerCase(), h.laterMedianMs(), h.laterPeerAkTrust().toLowerCase());
                    out.printf("  source side (median ms): %s%n  destination side (median ms): %s%n", h.sourceMs(), h.destinationMs());
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
                FileTrees.delete(dir);
            }
            return ExitCode.OK;
        }
    }

    @Command(name = "migration", mixinStandardHelpOptions = true,
            description = {"Two agents on this machine, each with its own swtpm and emulated TXT launch, migrating through the",
                    "source agent's admin API: (a) an idle VM's disk, against the same bytes through an OpenSSL TLS 1.3 pipe",
                    "(scripts/bench-baselines.sh); (b) the simulated guest's disk write throughput without a migration and",
                    "during SYNC and ASYNC ones; (c) the downtime of a guest dirtying its memory at each --dirty-rates."})
    static final class Migration implements Callable<Integer> {
        @Option(names = "--disk-mib", defaultValue = "1024", description = "disk of (a) and (b), MiB (default ${DEFAULT-VALUE})")
        int diskMib;

        @Option(names = "--memory-mib", defaultValue = "256", description = "guest memory of (c), MiB (default ${DEFAULT-VALUE})")
        int memoryMib;

        @Option(names = "--dirty-rates", defaultValue = "0,16,64,128", split = ",",
                description = "memory dirty rates of (c), MiB/s (default ${DEFAULT-VALUE})")
        List<Long> dirtyRates;

        @Option(names = "--downtime-disk-mib", defaultValue = "64", description = "disk of (c), MiB (default ${DEFAULT-VALUE})")
        int downtimeDiskMib;

        @Option(names = "--guest-writes", defaultValue = "400000",
                description = "4 KiB writes per second the guest of (b) offers, more than the disk takes (default ${DEFAULT-VALUE})")
        long guestWrites;

        @Option(names = "--sample-seconds", defaultValue = "5", description = "(b) without a migration: seconds sampled (default ${DEFAULT-VALUE})")
        int sampleSeconds;

        @Option(names = "--no-baselines", description = "skip the socat OpenSSL TLS 1.3 and ssh baselines")
        boolean noBaselines;

        @Option(names = "--json", description = "print one JSON object")
        boolean json;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (diskMib < 1 || downtimeDiskMib < 1 || memoryMib < 1 || memoryMib > 1024 || guestWrites < 1 || sampleSeconds < 1
                    || dirtyRates.isEmpty() || dirtyRates.stream().anyMatch(r -> r < 0 || r > 4096)) {
                throw new UserInputException("--disk-mib, --downtime-disk-mib, --guest-writes and --sample-seconds must be positive, "
                        + "--memory-mib 1..1024, --dirty-rates 0..4096 each");
            }
            PrintWriter out = spec.commandLine().getOut();
            Path dir = Files.createTempDirectory("attested-migrate-bench");
            try {
                MigrationFigures figures = MigrationBenchmark.run(dir, new MigrationBenchmark.Settings((long) diskMib << 20, memoryMib,
                        dirtyRates, (long) downtimeDiskMib << 20, guestWrites, java.time.Duration.ofSeconds(sampleSeconds), !noBaselines),
                        line -> {
                            // With --json, stdout holds the figures alone.
                            PrintWriter to = json ? spec.commandLine().getErr() : out;
                            to.println(line);
                            to.flush();
                        });
                if (json) {
                    out.println(Json.write(figures));
                } else {
                    MigrationReport.print(figures, out);
                }
            } finally {
                FileTrees.delete(dir);
            }
            out.flush();
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
            FileTrees.delete(dir);
        }
        return ExitCode.OK;
    }
}
