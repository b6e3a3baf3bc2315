package org.attestedmigration.migrationcore.agent;

import java.util.List;

/**
 * How a migration ended, as the admin API reports it.
 *
 * @param result            what happened
 * @param vm                the VM
 * @param peer              the destination agent's address
 * @param message           one line for a human
 * @param reasons           for a refusal: the failed policy rules ({@code rule: detail})
 * @param sourceDigest      for a migration: the disk's Merkle root at switchover, on the source (hex)
 * @param destinationDigest for a migration: the root the destination computed before serving it
 * @param bytesSent         disk bytes sent
 * @param pausedMillis      how long the VM's writes were paused for the switchover
 * @param totalMillis       from request to result
 * @param memoryBytesSent   for a VM with a guest: memory bytes sent (pre-copy and stop-and-copy); 0 for a disk only
 * @param downtimeMillis    for a VM with a guest: from its pause here to its resume at the destination; 0 for a disk only
 * @param memory            for a VM whose guest was handed over: its memory migration's figures; null otherwise
 */
public record MigrationOutcome(Result result, String vm, String peer, String message, List<String> reasons, String sourceDigest,
        String destinationDigest, long bytesSent, long pausedMillis, long totalMillis, long memoryBytesSent, long downtimeMillis,
        MemoryReport memory) {
    /** The ways a migration ends. */
    public enum Result {
        /** The destination serves the VM; the source stopped serving it. */
        MIGRATED,
        /** An attestation verdict refused the connection; nothing was sent, the source serves the VM. */
        REFUSED,
        /** The migration failed before switchover (or the destination declined to take over); the source serves the VM, unchanged. */
        ABORTED,
        /** The request was wrong (unknown VM, one already migrating); nothing started. */
        INVALID,
        /** The switchover succeeded but the destination's answer was lost: the VM is paused on the source, an operator must decide. */
        IN_DOUBT
    }

    public MigrationOutcome {
        reasons = List.copyOf(reasons);
    }

    /** An outcome without memory figures (they are added by {@link #withMemory}). */
    public MigrationOutcome(Result result, String vm, String peer, String message, List<String> reasons, String sourceDigest,
            String destinationDigest, long bytesSent, long pausedMillis, long totalMillis, long memoryBytesSent, long downtimeMillis) {
        this(result, vm, peer, message, reasons, sourceDigest, destinationDigest, bytesSent, pausedMillis, totalMillis, memoryBytesSent,
                downtimeMillis, null);
    }

    /** This outcome with the guest's memory figures. */
    public MigrationOutcome withMemory(MemoryReport report) {
        return new MigrationOutcome(result, vm, peer, message, reasons, sourceDigest, destinationDigest, bytesSent, pausedMillis,
                totalMillis, memoryBytesSent, downtimeMillis, report);
    }

    static MigrationOutcome failure(Result result, String vm, String peer, String message, List<String> reasons, long bytesSent,
            long totalMillis) {
        return new MigrationOutcome(result, vm, peer, message, reasons, null, null, bytesSent, 0, totalMillis, 0, 0);
    }
}
