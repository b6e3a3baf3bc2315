package org.attestedmigration.policy;

import java.util.Objects;

/** One allowlist entry: a value with the name an administrator gave it ("tboot-1.11.1"). */
public record NamedDigest(String name, HexValue digest) {
    public NamedDigest {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(digest, "digest");
    }
}
