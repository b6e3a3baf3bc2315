package org.attestedmigration.migrationcore.agent;

/**
 * What the migration of a guest's memory did, for a VM with a simulated guest.
 *
 * @param sizeBytes           the guest's memory
 * @param precopyRounds       pre-copy rounds while the guest ran
 * @param convergence         how pre-copy ended: {@code CONVERGED}, {@code STALLED}, {@code MAX_ROUNDS}, {@code DEADLINE}
 * @param pagesSent           page records sent, pre-copy and stop-and-copy
 * @param zeroPagesSent       of which all-zero pages (sent as flags)
 * @param bytesSent           memory stream bytes
 * @param pausedSendingMillis from the guest's pause here until its last page and digest were sent, the disk's
 *                            switchover in the pause included: the part of the downtime the source controls
 * @param digest              the memory digest (hex) of the destination's receipt; the source hands the guest over only
 *                            when it equals its own digest at the pause
 */
public record MemoryReport(long sizeBytes, int precopyRounds, String convergence, long pagesSent, long zeroPagesSent, long bytesSent,
        long pausedSendingMillis, String digest) {
}
