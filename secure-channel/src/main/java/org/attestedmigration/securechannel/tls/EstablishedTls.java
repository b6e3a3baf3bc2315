package org.attestedmigration.securechannel.tls;

import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.Optional;
import org.attestedmigration.policy.TlsSessionFacts;

/**
 * A finished TLS handshake as the attestation sees it: the engine, protocol and suite, both
 * certificates (the local one and the one the peer actually presented) and, where the runtime can
 * export it, the RFC 9266 {@code tls-exporter} channel binding value.
 */
public record EstablishedTls(TlsEngine engine, String protocol, String cipherSuite, X509Certificate localCertificate,
        X509Certificate peerCertificate, Optional<byte[]> exporter) {
    public EstablishedTls {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(cipherSuite, "cipherSuite");
        Objects.requireNonNull(localCertificate, "localCertificate");
        Objects.requireNonNull(peerCertificate, "peerCertificate");
        exporter = exporter.map(byte[]::clone);
    }

    @Override
    public Optional<byte[]> exporter() {
        return exporter.map(byte[]::clone);
    }

    /** SHA-256 of our certificate's SubjectPublicKeyInfo: what our quote binds. */
    public byte[] localPublicKeySha256() {
        return EphemeralIdentity.publicKeySha256(localCertificate);
    }

    /** SHA-256 of the peer certificate's SubjectPublicKeyInfo: what the peer's quote must bind. */
    public byte[] peerPublicKeySha256() {
        return EphemeralIdentity.publicKeySha256(peerCertificate);
    }

    /** The facts the policy's TLS rules judge. */
    public TlsSessionFacts facts(boolean exporterBound) {
        return new TlsSessionFacts(protocol, cipherSuite, exporterBound);
    }

    @Override
    public String toString() {
        // The exporter value is a secret of the session: never in logs.
        return "EstablishedTls[" + engine + ", " + protocol + ", " + cipherSuite + ", exporter "
                + (exporter.isPresent() ? "available" : "unavailable") + "]";
    }
}
