package org.attestedmigration.migrationcore.replication;

import java.time.Duration;
import java.util.Objects;

/**
 * The simulated link of an {@link InProcessTransport}.
 *
 * @param bytesPerSecond serialisation rate, 0 for unlimited
 * @param latency one-way delay added to every chunk's delivery
 * @param failAfterChunks the link breaks after delivering this many chunks, -1 for never
 */
public record LinkModel(long bytesPerSecond, Duration latency, long failAfterChunks) {
    public static final LinkModel UNLIMITED = new LinkModel(0, Duration.ZERO, -1);

    public LinkModel {
        Objects.requireNonNull(latency, "latency");
        if (bytesPerSecond < 0 || latency.isNegative() || failAfterChunks < -1) {
            throw new IllegalArgumentException("invalid link model");
        }
    }

    public static LinkModel of(long bytesPerSecond, Duration latency) {
        return new LinkModel(bytesPerSecond, latency, -1);
    }

    public LinkModel failingAfter(long chunks) {
        return new LinkModel(bytesPerSecond, latency, chunks);
    }
}
