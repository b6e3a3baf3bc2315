package org.attestedmigration.policy;

import java.util.Objects;

/** What the attested channel negotiated, for the policy's TLS rules. */
public record TlsSessionFacts(String protocol, String cipherSuite, boolean exporterBound) {
    public TlsSessionFacts {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(cipherSuite, "cipherSuite");
    }
}
