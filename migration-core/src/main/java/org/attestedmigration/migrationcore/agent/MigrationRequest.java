package org.attestedmigration.migrationcore.agent;

import java.util.Objects;
import org.attestedmigration.migrationcore.replication.MirrorMode;

/**
 * What an operator asks for: move {@code vm} to the agent at {@code destination}.
 *
 * @param mode                    how writes are mirrored once the bulk copy converged
 * @param maxBandwidthBytesPerSecond cap on the disk stream's rate, 0 for none
 */
public record MigrationRequest(String vm, HostPort destination, MirrorMode mode, long maxBandwidthBytesPerSecond) {
    public MigrationRequest {
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(mode, "mode");
        if (maxBandwidthBytesPerSecond < 0) {
            throw new IllegalArgumentException("the bandwidth limit must not be negative");
        }
    }
}
