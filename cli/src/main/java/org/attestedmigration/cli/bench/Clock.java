package org.attestedmigration.cli.bench;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Wall-clock and process CPU time of one measured transfer, from its start until all of it has arrived. */
final class Clock {
    private static final double GIB = 1L << 30;

    private final CompletableFuture<Void> arrival;
    private final long startNanos;
    private final long startCpu;
    private long nanos;
    private long cpu;

    private Clock(CompletableFuture<Void> arrival) {
        this.arrival = arrival;
        this.startCpu = processCpuNanos();
        this.startNanos = System.nanoTime();
    }

    /** Starts timing; {@code arrival} completes when the receiving end has every byte. */
    static Clock start(CompletableFuture<Void> arrival) {
        return new Clock(arrival);
    }

    void awaitArrival() throws Exception {
        arrival.get(10, TimeUnit.MINUTES);
        nanos = System.nanoTime() - startNanos;
        cpu = processCpuNanos() - startCpu;
    }

    double seconds() {
        return nanos / 1e9;
    }

    double megabytesPerSecond(long bytes) {
        return bytes / seconds() / 1e6;
    }

    double cpuSecondsPerGiB(long bytes) {
        return startCpu < 0 ? Double.NaN : cpu / 1e9 / (bytes / GIB);
    }

    /** CPU time of every thread of this JVM, or -1 where the platform does not say. */
    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }
}
