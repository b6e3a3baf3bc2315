package org.attestedmigration.policy;

import java.time.Duration;
import java.util.Optional;

/**
 * How fresh evidence must be: the longest time from issuing a nonce to verifying the quote bound
 * to it ({@code maxEvidenceAge}), how long an issued nonce stays usable ({@code nonceLifetime}),
 * and how often a long migration re-attests.
 */
public record Freshness(Duration maxEvidenceAge, Duration nonceLifetime, Optional<Duration> reattestEvery) {
    public static final Freshness DEFAULT = new Freshness(Duration.ofSeconds(60), Duration.ofSeconds(30), Optional.empty());
}
