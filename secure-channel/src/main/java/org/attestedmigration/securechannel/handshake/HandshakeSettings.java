package org.attestedmigration.securechannel.handshake;

import java.time.Duration;
import java.util.Objects;
import org.attestedmigration.policy.Policy;

/** What every handshake of one endpoint shares: who we are, the policy, and how long each step may take. */
record HandshakeSettings(String hostName, Policy policy, Duration stepTimeout) {
    HandshakeSettings {
        Objects.requireNonNull(hostName, "hostName");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(stepTimeout, "stepTimeout");
        if (!HandshakeMessage.HOST_NAME.matcher(hostName).matches()) {
            throw new IllegalArgumentException("host name '" + hostName + "' must be 1..64 of [A-Za-z0-9._-]");
        }
        if (stepTimeout.isNegative() || stepTimeout.isZero()) {
            throw new IllegalArgumentException("the step timeout must be positive");
        }
    }
}
