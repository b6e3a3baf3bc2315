package org.attestedmigration.migrationcore.agent;

import java.util.Objects;
import org.attestedmigration.migrationcore.replication.MirrorMode;

/**
 * What an operator asks for: move {@code vm} to the agent at {@code destination}.
 *
 * @param mode                    how writes are mirrored once the bulk copy converged
 * @param maxBandwidthBytesPerSecond cap on the disk stream's rate, 0 for none
 * @param retries                 how many times a connection lost before the switchover is attested
 *                                and resumed again (with back-off) before the migration is aborted
 */
public record MigrationRequest(String vm, HostPort destination, MirrorMode mode, long maxBandwidthBytesPerSecond, int retries) {
    /** Retries when the request does not say: rides out a short network outage or a destination restart. */
    public static final int DEFAULT_RETRIES = 3;
    /** More would keep a failed migration claiming its VM for a long time. */
    public static final int MAX_RETRIES = 20;

    public MigrationRequest {
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(mode, "mode");
        if (maxBandwidthBytesPerSecond < 0) {
            throw new IllegalArgumentException("the bandwidth limit must not be negative");
        }
        if (retries < 0 || retries > MAX_RETRIES) {
            throw new IllegalArgumentException("retries must be between 0 and " + MAX_RETRIES + ", not " + retries);
        }
    }

    /** A request with {@link #DEFAULT_RETRIES}. */
    public MigrationRequest(String vm, HostPort destination, MirrorMode mode, long maxBandwidthBytesPerSecond) {
        this(vm, destination, mode, maxBandwidthBytesPerSecond, DEFAULT_RETRIES);
    }
}
