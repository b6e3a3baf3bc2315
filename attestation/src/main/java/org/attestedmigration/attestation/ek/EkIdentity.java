package org.attestedmigration.attestation.ek;

import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import org.attestedmigration.attestation.HashAlgorithm;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.x509.Certificate;

/**
 * How a host's TPM is named in policies: the SHA-256 of its EK's SubjectPublicKeyInfo as the
 * certificate encodes it, the same value {@code openssl x509 -pubkey | openssl pkey -pubin -outform
 * DER | sha256sum} gives. Taken from the certificate's own DER rather than from re-encoding the
 * JCA key, whose encoding of the algorithm parameters may differ.
 */
public final class EkIdentity {
    private EkIdentity() {
    }

    /** Empty only for a certificate that does not re-encode (which a parsed X509Certificate always does). */
    public static Optional<byte[]> publicKeySha256(X509Certificate ekCertificate) {
        try {
            byte[] spki = Certificate.getInstance(ekCertificate.getEncoded()).getSubjectPublicKeyInfo().getEncoded(ASN1Encoding.DER);
            return Optional.of(HashAlgorithm.SHA256.digest(spki));
        } catch (CertificateEncodingException | java.io.IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
