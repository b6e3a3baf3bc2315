package org.attestedmigration.migrationcore.hypervisor;

import java.time.Duration;
import java.time.Instant;

/**
 * The source's figures once the last page left.
 *
 * @param precopy how pre-copy ended
 * @param finalPages pages sent while paused
 * @param pagesSent every page record sent, pre-copy and final
 * @param zeroPagesSent of those, pages sent as a zero flag without data
 * @param bytesSent bytes written to the stream
 * @param pausedAt when the guest stopped executing on the source (downtime starts here)
 * @param pausedSending from pause until the digest was written (pause hook included): the part of
 *     the downtime the source controls
 */
public record StopAndCopyResult(PrecopyResult precopy, long finalPages, long pagesSent, long zeroPagesSent, long bytesSent,
                                Instant pausedAt, Duration pausedSending) {
}
