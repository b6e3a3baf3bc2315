package org.attestedmigration.securechannel.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Accepts any single self-signed certificate and records it: trust in the peer comes from the
 * attestation that follows, which binds this certificate's public key, not from a PKI. One
 * instance serves one connection; a second, different certificate is refused.
 */
public final class SelfSignedPeerTrust extends X509ExtendedTrustManager {
    private final AtomicReference<X509Certificate> seen = new AtomicReference<>();

    /** The certificate the peer presented, once the TLS handshake has checked it. */
    public Optional<X509Certificate> peerCertificate() {
        return Optional.ofNullable(seen.get());
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length != 1) {
            throw new CertificateException("the peer must present exactly one self-signed certificate, not "
                    + (chain == null ? 0 : chain.length));
        }
        X509Certificate cert = chain[0];
        try {
            cert.checkValidity();
            cert.verify(cert.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new CertificateException("the peer's certificate is not a valid self-signed certificate: " + e.getMessage(), e);
        }
        if (!seen.compareAndSet(null, cert) && !seen.get().equals(cert)) {
            throw new CertificateException("the peer changed its certificate within one connection");
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    /** No CA names in the certificate request: any self-signed certificate will do. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
