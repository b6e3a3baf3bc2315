package org.attestedmigration.policy;

import java.util.List;
import java.util.Optional;

/**
 * A policy an agent may run with: its signature checked (or a development exception recorded in
 * {@link #warnings()}) and its serial not lower than the last one accepted.
 */
public record LoadedPolicy(Policy policy, Optional<HexValue> signedBy, List<String> warnings) {
    public LoadedPolicy {
        warnings = List.copyOf(warnings);
    }
}
