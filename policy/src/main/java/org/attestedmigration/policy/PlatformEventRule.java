package org.attestedmigration.policy;

import java.util.Objects;

/**
 * An allowed platform measurement in PCR 17 other than the SINIT itself (BIOS ACM registers,
 * S-CRTM status, launch control policy, STM...): the event type (TXT_* name) and its digest.
 */
public record PlatformEventRule(String name, int eventType, HexValue digest) {
    public PlatformEventRule {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(digest, "digest");
    }
}
