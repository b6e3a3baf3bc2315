package org.attestedmigration.migrationcore.replication;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Figures for docs/replicator.md, not assertions. Run with
 * {@code mvn -B -o -pl migration-core test -Dtest=ReplicatorBenchmark -Dreplicator.bench=true}.
 */
@EnabledIfSystemProperty(named = "replicator.bench", matches = "true")
class ReplicatorBenchmark {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void bulkCopyOfOneGibInProcess() throws Exception {
        try (ReplicationFixture f = new ReplicationFixture(dir, 1024 * MIB);
             InProcessTransport link = new InProcessTransport(f.receiver, LinkModel.UNLIMITED);
             EmbeddedReplicator r = f.replicator(link, ReplicationSettings.defaults(MirrorMode.ASYNC))) {
            long t0 = System.nanoTime();
            r.converge();
            long t1 = System.nanoTime();
            r.prepareSwitchover();
            long t2 = System.nanoTime();
            SwitchoverResult s = r.switchover();
            long t3 = System.nanoTime();
            System.out.printf("bulk copy 1 GiB in-process: %.1f MB/s (%.2f s); read-back of both 1 GiB images while running: %.2f s;"
                    + " switchover %.1f ms, writes paused %d ms%n",
                    1024 * MIB / 1e6 / ((t1 - t0) / 1e9), (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e6, s.pausedFor().toMillis());
        }
    }

    @Test
    void nbdWriteThroughput() throws Exception {
        long size = 256 * MIB;
        Path data = dir.resolve("data.raw");
        byte[] bytes = new byte[(int) size];
        new Random(3).nextBytes(bytes);
        Files.write(data, bytes);
        for (String mode : new String[] {"none", "SYNC", "ASYNC"}) {
            Path sub = Files.createDirectory(dir.resolve(mode));
            try (ReplicationFixture f = new ReplicationFixture(sub, size);
                 InProcessTransport link = new InProcessTransport(f.receiver, LinkModel.UNLIMITED)) {
                EmbeddedReplicator r = null;
                if (!mode.equals("none")) {
                    r = f.replicator(link, ReplicationSettings.defaults(MirrorMode.valueOf(mode)));
                    r.converge();
                }
                String uri = "nbd+unix:///vda?socket=" + f.server.socketPath();
                double convert = time("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", data.toString(), uri);
                double io = time("qemu-io", "-f", "raw", uri, "-c", "aio_write -P 0x5a 0 64M");
                double rnd = seq4k(uri);
                System.out.printf("mirror=%s: qemu-img convert 256 MiB into export %.1f MB/s; qemu-io 64 MiB write %.1f MB/s; 4 KiB sequential writes %.0f IOPS%n",
                        mode, size / 1e6 / convert, 64 * MIB / 1e6 / io, rnd);
                if (r != null) {
                    r.switchover();
                    r.close();
                }
            }
        }
    }

    /** 2000 sequential 4 KiB writes in one qemu-io process (one request in flight at a time). */
    private static double seq4k(String uri) throws Exception {
        long t0 = System.nanoTime();
        run("qemu-io", "-f", "raw", uri, "-c", "write -P 0x22 0 4k", "-c", "write -P 0x22 1M 4k");
        double base = (System.nanoTime() - t0) / 1e9;
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("qemu-io", "-f", "raw", uri));
        for (int i = 0; i < 2000; i++) {
            args.add("-c");
            args.add("write -P 0x22 " + (i * 4096L * 7 % (200L << 20)) + " 4k");
        }
        long t1 = System.nanoTime();
        run(args.toArray(String[]::new));
        double secs = (System.nanoTime() - t1) / 1e9 - base;
        return 2000 / secs;
    }

    private static double time(String... cmd) throws Exception {
        long t = System.nanoTime();
        run(cmd);
        return (System.nanoTime() - t) / 1e9;
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + ": " + out);
        }
        return out;
    }
}
