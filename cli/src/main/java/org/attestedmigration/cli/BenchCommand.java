package org.attestedmigration.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.attestedmigration.cli.bench.AttestationBenchmark;
import org.attestedmigration.cli.bench.PolicyBenchmark;
import org.attestedmigration.cli.bench.Timings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attested-migrate bench ...}: benchmarks that print figures (never timed unit tests). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks; the figures go to docs/benchmarks.md.",
        subcommands = {BenchCommand.Attestation.class, BenchCommand.PolicyBench.class})
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
