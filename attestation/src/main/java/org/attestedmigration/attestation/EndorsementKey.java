package org.attestedmigration.attestation;

import java.security.cert.X509Certificate;
import java.util.Optional;

/** The TPM's endorsement key: its public area (TPMT_PUBLIC) and, when provisioned, its certificate. */
public final class EndorsementKey {
    private final EndorsementKeyType type;
    private final byte[] publicArea;
    private final X509Certificate certificate;

    public EndorsementKey(EndorsementKeyType type, byte[] publicArea, X509Certificate certificate) {
        this.type = type;
        this.publicArea = publicArea.clone();
        this.certificate = certificate;
    }

    public EndorsementKeyType type() {
        return type;
    }

    /** The marshalled TPMT_PUBLIC. */
    public byte[] publicArea() {
        return publicArea.clone();
    }

    public Optional<X509Certificate> certificate() {
        return Optional.ofNullable(certificate);
    }
}
