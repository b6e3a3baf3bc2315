package org.attestedmigration.migrationcore.replication;

import java.time.Duration;

/**
 * A completed switchover: both images hash to {@code root}.
 *
 * @param root the Merkle root both sides computed
 * @param pausedFor how long writes were held for the final drain and the comparison
 * @param finalChunks chunks sent while writes were paused
 * @param bytesSent chunk bytes sent in this attempt, all phases
 * @param drained how much of the pause went to sending the last dirty chunks
 * @param flushed how much went to making the destination durable
 * @param verified how much went to re-reading changed chunks and comparing both digest trees
 */
public record SwitchoverResult(byte[] root, Duration pausedFor, long finalChunks, long bytesSent, Duration drained, Duration flushed,
        Duration verified) {
    public SwitchoverResult {
        root = root.clone();
    }

    @Override
    public byte[] root() {
        return root.clone();
    }
}
