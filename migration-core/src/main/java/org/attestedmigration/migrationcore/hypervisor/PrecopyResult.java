package org.attestedmigration.migrationcore.hypervisor;

import java.time.Duration;

/**
 * How pre-copy ended.
 *
 * @param rounds rounds started (the first sends every page)
 * @param pagesSent pages sent, zero pages included
 * @param dirtyPages pages dirty when it stopped: what stop-and-copy has to send, at least
 */
public record PrecopyResult(ConvergenceOutcome outcome, int rounds, long pagesSent, long dirtyPages, Duration elapsed) {
}
