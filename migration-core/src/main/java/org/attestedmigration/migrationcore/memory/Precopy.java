package org.attestedmigration.migrationcore.memory;

import java.io.IOException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.attestedmigration.migrationcore.hypervisor.ConvergenceOutcome;
import org.attestedmigration.migrationcore.hypervisor.MemoryMigrationSettings;
import org.attestedmigration.migrationcore.hypervisor.PrecopyResult;

/**
 * Pre-copy rounds while the guest runs: the first sends every page, each next one the pages
 * dirtied meanwhile, until the dirty set is small, stops shrinking, the round limit, or the
 * deadline (which also cuts a round short: its unsent pages stay dirty for stop-and-copy).
 */
final class Precopy {
    /** A round that leaves more than this share of the previous dirty set did not shrink it. */
    private static final double SHRINK = 0.9;

    private final MemorySender sender;
    private final MemoryStreamWriter writer;
    private final MemoryMigrationSettings settings;
    private final BooleanSupplier aborted;

    Precopy(MemorySender sender, MemoryStreamWriter writer, MemoryMigrationSettings settings, BooleanSupplier aborted) {
        this.sender = sender;
        this.writer = writer;
        this.settings = settings;
        this.aborted = aborted;
    }

    PrecopyResult run() throws IOException {
        long start = System.nanoTime();
        long deadline = start + settings.precopyDeadline().toNanos();
        long convergedPages = settings.convergedBytes() / GuestMemory.PAGE;
        BooleanSupplier stop = () -> aborted.getAsBoolean() || System.nanoTime() - deadline > 0;
        int round = 0;
        int stalled = 0;
        long previous = Long.MAX_VALUE;
        ConvergenceOutcome outcome;
        while (true) {
            round++;
            sender.sendDirty(stop);
            writer.roundEnd(round);
            long dirty = sender.dirtyPages();
            if (aborted.getAsBoolean()) {
                throw new IOException("pre-copy aborted");
            }
            if (stop.getAsBoolean()) {
                outcome = ConvergenceOutcome.DEADLINE;
                break;
            }
            if (dirty <= convergedPages) {
                outcome = ConvergenceOutcome.CONVERGED;
                break;
            }
            stalled = round > 1 && dirty > previous * SHRINK ? stalled + 1 : 0;
            if (stalled >= settings.stalledRounds()) {
                outcome = ConvergenceOutcome.STALLED;
                break;
            }
            if (round >= settings.maxRounds()) {
                outcome = ConvergenceOutcome.MAX_ROUNDS;
                break;
            }
            previous = dirty;
        }
        return new PrecopyResult(outcome, round, sender.pagesSent(), sender.dirtyPages(), Duration.ofNanos(System.nanoTime() - start));
    }
}
