package org.attestedmigration.policy;

import java.util.Objects;
import java.util.Optional;

/**
 * A host the policy knows, identified by its TPM: the SHA-256 of its EK's public key
 * (SubjectPublicKeyInfo), and/or a pinned AK (its TPM name). Host-unique launch rules, if any,
 * extend the global ones for this host only (ISecL's host-unique flavor part).
 */
public record HostEntry(String name, Optional<HexValue> ekPublicKeySha256, Optional<HexValue> akName, LaunchRules hostUnique) {
    public HostEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(hostUnique, "hostUnique");
        if (ekPublicKeySha256.isEmpty() && akName.isEmpty()) {
            throw new IllegalArgumentException("host '" + name + "' needs an EK public key hash or a pinned AK name");
        }
    }
}
