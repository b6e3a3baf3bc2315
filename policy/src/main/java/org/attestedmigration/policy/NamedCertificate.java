package org.attestedmigration.policy;

import java.security.cert.X509Certificate;
import java.util.Objects;

/** A TPM manufacturer CA certificate the policy trusts for EK certificates. */
public record NamedCertificate(String name, X509Certificate certificate) {
    public NamedCertificate {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(certificate, "certificate");
    }
}
