package org.attestedmigration.migrationcore.replication;

/**
 * One progress snapshot, for a progress bar or a log line.
 *
 * @param phase the running phase
 * @param round dirty re-copy round (0 during bulk copy)
 * @param bytesSent chunk bytes acknowledged by the destination in this attempt
 * @param chunksSent chunks acknowledged in this attempt
 * @param dirtyChunks chunks the destination does not hold at their current contents
 * @param dirtyBytes bytes in those chunks
 * @param bytesPerSecond recent transfer rate
 * @param writeLimitBytesPerSecond the guest write throttle, 0 when not throttled
 */
public record ReplicationProgress(ReplicationPhase phase, int round, long bytesSent, long chunksSent,
        int dirtyChunks, long dirtyBytes, double bytesPerSecond, long writeLimitBytesPerSecond) {
}
