package org.attestedmigration.cli.bench;

import java.io.PrintWriter;
import java.util.Locale;

/** {@code bench migration}'s figures as text. */
public final class MigrationReport {
    private MigrationReport() {
    }

    public static void print(MigrationFigures f, PrintWriter out) {
        MigrationFigures.Total t = f.total();
        out.printf(Locale.ROOT, "(a) idle VM, %d MiB disk through the agents: %d ms, %.1f MB/s, %d MiB sent, switchover pause %d ms%n",
                t.diskBytes() >> 20, t.totalMs(), t.megabytesPerSecond(), t.bytesSent() >> 20, t.switchoverPauseMs());
        for (Baselines.Figure b : f.baselines()) {
            if (b.skipped() != null) {
                out.printf(Locale.ROOT, "    %s: skipped (%s)%n", b.transport(), b.skipped());
            } else {
                out.printf(Locale.ROOT, "    %s: %.0f ms, %.1f MB/s (the agents take %.2fx as long)%n", b.transport(), b.seconds() * 1e3,
                        b.megabytesPerSecond(), t.totalMs() / (b.seconds() * 1e3));
            }
        }
        MigrationFigures.GuestWrites w = f.guestWrites();
        out.printf(Locale.ROOT, "(b) guest 4 KiB writes to its %d MiB disk (offered %d/s):%n", w.diskBytes() >> 20, w.offeredWritesPerSecond());
        for (MigrationFigures.Throughput x : new MigrationFigures.Throughput[] {w.none(), w.sync(), w.async()}) {
            out.printf(Locale.ROOT, "    %-5s %7.1f MB/s over %.1f s%s%n", x.mode(), x.megabytesPerSecond(), x.seconds(),
                    x.migrationMs() > 0 ? String.format(Locale.ROOT, " (migration %d ms, downtime %d ms)", x.migrationMs(), x.downtimeMs()) : "");
        }
        out.println("(c) downtime by memory dirty rate (SYNC mirroring):");
        out.printf(Locale.ROOT, "    %6s %8s %9s %9s %13s %11s %7s %11s %10s%n", "memory", "dirtied", "disk", "downtime", "source sends",
                "disk switch", "rounds", "convergence", "migration");
        for (MigrationFigures.Downtime d : f.downtime()) {
            out.printf(Locale.ROOT, "    %3d MiB %4d MiB/s %5d MiB %6d ms %10d ms %8d ms %7d %11s %7d ms%n", d.memoryMib(), d.dirtyMiBps(),
                    d.diskBytes() >> 20, d.downtimeMs(), d.pausedSendingMs(), d.diskSwitchoverMs(), d.precopyRounds(),
                    d.convergence().toLowerCase(Locale.ROOT), d.totalMs());
        }
    }
}
