package org.attestedmigration.cli.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.attestedmigration.attestation.txt.SampleLaunch;
import org.attestedmigration.cli.demo.LocalHost;
import org.attestedmigration.cli.demo.LocalHosts;
import org.attestedmigration.cli.demo.LocalVm;
import org.attestedmigration.migrationcore.agent.AgentStatus;
import org.attestedmigration.migrationcore.agent.MigrationOutcome;
import org.attestedmigration.migrationcore.agent.MigrationRequest;
import org.attestedmigration.migrationcore.agent.SimulatedVmSettings;
import org.attestedmigration.migrationcore.replication.MirrorMode;

/**
 * Migrations between two agents on this machine ({@link LocalHosts}), through the source agent's
 * admin API as {@code attested-migrate migrate} does it: (a) an idle VM's disk against the same
 * bytes through an OpenSSL TLS 1.3 pipe, (b) the simulated guest's disk write throughput without
 * a migration and during SYNC and ASYNC ones, (c) the downtime of a VM whose guest dirties its
 * memory at several rates. Each migration starts both agents afresh, so none inherits another's
 * state.
 */
public final class MigrationBenchmark {
    /**
     * @param diskBytes            disk of (a) and (b)
     * @param memoryMib            guest memory of (c)
     * @param dirtyMiBps           the dirty rates of (c)
     * @param downtimeDiskBytes    disk of (c): small, so that the memory's part of the downtime shows
     * @param guestWritesPerSecond the 4 KiB writes per second the guest of (b) offers: more than the disk takes
     * @param sample               how long (b) samples the guest without a migration
     * @param baselines            whether to run the OpenSSL TLS 1.3 (and ssh) baselines
     */
    public record Settings(long diskBytes, int memoryMib, List<Long> dirtyMiBps, long downtimeDiskBytes, long guestWritesPerSecond,
            Duration sample, boolean baselines) {
    }

    private static final String VM = "bench-vm";
    /** The guest of (b): little memory and none of it dirtied, so that its disk writes are what is measured. */
    private static final int WRITER_MEMORY_MIB = 16;

    private final Settings settings;
    private final Consumer<String> log;

    private MigrationBenchmark(Settings settings, Consumer<String> log) {
        this.settings = settings;
        this.log = log;
    }

    /** @param log a line as each measurement starts */
    public static MigrationFigures run(Path dir, Settings settings, Consumer<String> log) throws Exception {
        return new MigrationBenchmark(settings, log).run(dir);
    }

    private MigrationFigures run(Path dir) throws Exception {
        try (LocalHosts hosts = LocalHosts.boot(dir.resolve("hosts"), List.of(new LocalHosts.Spec("bench-a", SampleLaunch.trusted()),
                new LocalHosts.Spec("bench-b", SampleLaunch.trusted())), log)) {
            LocalHost a = hosts.host(0);
            LocalHost b = hosts.host(1);
            MigrationFigures.Total total = total(a, b);
            List<Baselines.Figure> baselines = List.of();
            if (settings.baselines()) {
                log.accept("the same bytes through the baselines (scripts/bench-baselines.sh)");
                baselines = Baselines.measure(dir, settings.diskBytes());
            }
            MigrationFigures.GuestWrites writes = guestWrites(a, b);
            List<MigrationFigures.Downtime> downtime = new ArrayList<>();
            for (long rate : settings.dirtyMiBps()) {
                downtime.add(downtime(a, b, rate));
            }
            return new MigrationFigures(total, baselines, writes, downtime);
        }
    }

    /** (a): a VM that is a disk only, nothing writing it. */
    private MigrationFigures.Total total(LocalHost a, LocalHost b) throws Exception {
        log.accept("idle VM, " + (settings.diskBytes() >> 20) + " MiB disk, SYNC");
        freshPair(a, b, settings.diskBytes(), null);
        MigrationOutcome o = migrate(a, b, MirrorMode.SYNC);
        return new MigrationFigures.Total(settings.diskBytes(), o.totalMillis(), o.bytesSent(), megabytesPerSecond(settings.diskBytes(),
                o.totalMillis() / 1e3), o.pausedMillis());
    }

    /**
     * (b): the guest offers more writes than its disk takes; sampled without a migration, then
     * across a SYNC migration of the same VM, then across an ASYNC one of a fresh VM.
     */
    private MigrationFigures.GuestWrites guestWrites(LocalHost a, LocalHost b) throws Exception {
        SimulatedVmSettings writer = new SimulatedVmSettings(WRITER_MEMORY_MIB, 0, settings.guestWritesPerSecond());
        log.accept("guest writing its " + (settings.diskBytes() >> 20) + " MiB disk, no migration, " + settings.sample().toSeconds() + " s");
        freshPair(a, b, settings.diskBytes(), writer);
        long before = guestDiskWrites(a);
        long start = System.nanoTime();
        Thread.sleep(settings.sample().toMillis());
        double seconds = (System.nanoTime() - start) / 1e9;
        long writes = guestDiskWrites(a) - before;
        MigrationFigures.Throughput none = new MigrationFigures.Throughput("none", seconds, writes, writtenMegabytesPerSecond(writes, seconds), 0, 0);
        MigrationFigures.Throughput sync = writesDuring(a, b, MirrorMode.SYNC);
        freshPair(a, b, settings.diskBytes(), writer);
        MigrationFigures.Throughput async = writesDuring(a, b, MirrorMode.ASYNC);
        return new MigrationFigures.GuestWrites(settings.diskBytes(), settings.guestWritesPerSecond(), none, sync, async);
    }

    private MigrationFigures.Throughput writesDuring(LocalHost a, LocalHost b, MirrorMode mode) throws Exception {
        log.accept("guest writing its " + (settings.diskBytes() >> 20) + " MiB disk, " + mode + " migration");
        long before = guestDiskWrites(a);
        MigrationOutcome o = migrate(a, b, mode);
        // The counter travels with the guest: it continues at the destination.
        long writes = guestDiskWrites(b) - before;
        double seconds = o.totalMillis() / 1e3;
        return new MigrationFigures.Throughput(mode.name().toLowerCase(java.util.Locale.ROOT), seconds, writes,
                writtenMegabytesPerSecond(writes, seconds), o.totalMillis(), o.downtimeMillis());
    }

    /** (c): memory dirtied at {@code rate}, the disk not written. */
    private MigrationFigures.Downtime downtime(LocalHost a, LocalHost b, long rate) throws Exception {
        log.accept("guest of " + settings.memoryMib() + " MiB dirtying " + rate + " MiB/s, " + (settings.downtimeDiskBytes() >> 20)
                + " MiB disk, SYNC");
        SimulatedVmSettings guest = new SimulatedVmSettings(settings.memoryMib(), rate << 20, 0);
        freshPair(a, b, settings.downtimeDiskBytes(), guest);
        MigrationOutcome o = migrate(a, b, MirrorMode.SYNC);
        if (o.memory() == null) {
            throw new IOException("the migration of the guest reported no memory figures: " + o.message());
        }
        return new MigrationFigures.Downtime(settings.memoryMib(), rate, settings.downtimeDiskBytes(), o.downtimeMillis(),
                o.memory().pausedSendingMillis(), o.pausedMillis(), o.memory().precopyRounds(), o.memory().convergence(),
                o.memoryBytesSent(), o.totalMillis());
    }

    /** Both agents restarted with fresh data directories, {@code a} serving a new VM with a fresh disk. */
    private static void freshPair(LocalHost a, LocalHost b, long diskBytes, SimulatedVmSettings guest) throws Exception {
        // Stopped first: a running guest must not write the disk being recreated.
        a.stopAgent();
        b.stopAgent();
        a.startAgent(List.of(new LocalVm(VM, a.createDisk(VM, diskBytes), guest)));
        b.startAgent(List.of());
    }

    /** Migrates through the source agent's admin API; anything but MIGRATED ends the benchmark. */
    private static MigrationOutcome migrate(LocalHost a, LocalHost b, MirrorMode mode) throws IOException {
        MigrationOutcome o = a.admin().migrate(new MigrationRequest(VM, b.address(), mode, 0), p -> { });
        if (o.result() != MigrationOutcome.Result.MIGRATED) {
            throw new IOException("the benchmark's migration ended " + o.result() + ": " + o.message());
        }
        return o;
    }

    private static long guestDiskWrites(LocalHost host) throws IOException {
        AgentStatus status = host.admin().status();
        return status.vms().stream().filter(v -> VM.equals(v.name()) && v.guestDiskWrites() != null).findFirst()
                .orElseThrow(() -> new IOException(host.name() + " runs no guest of " + VM)).guestDiskWrites();
    }

    /** The guest's 4 KiB writes as MB/s. */
    private static double writtenMegabytesPerSecond(long writes, double seconds) {
        return megabytesPerSecond(writes * SimulatedVmSettings.DISK_WRITE_BYTES, seconds);
    }

    private static double megabytesPerSecond(long bytes, double seconds) {
        return Math.round(bytes / seconds / 1e5) / 10.0;
    }
}
