package org.attestedmigration.cli.bench;

import java.util.Arrays;

/** Summary of repeated measurements, in milliseconds. */
public record Timings(String operation, int runs, double medianMs, double p90Ms, double minMs, double maxMs) {

    /** What one measured run does; it may throw, which aborts the benchmark. */
    public interface Run {
        void run() throws Exception;
    }

    /** Runs {@code warmup} unmeasured times, then {@code runs} measured times. */
    public static Timings measure(String operation, int warmup, int runs, Run run) throws Exception {
        for (int i = 0; i < warmup; i++) {
            run.run();
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            run.run();
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        return new Timings(operation, runs, percentile(ms, 50), percentile(ms, 90), ms[0], ms[ms.length - 1]);
    }

    private static double percentile(double[] sorted, int p) {
        int ix = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, ix))];
    }
}
