package org.attestedmigration.attestation.ek;

import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An EK certificate that passed {@link EkCertificateValidator#validate}.
 *
 * @param ekCertificate the validated EK certificate
 * @param certificationPath the path PKIX built, EK certificate first, trust anchor excluded
 * @param trustAnchor the trusted root certificate the path ends at
 * @param tpmIdentity TPM manufacturer, model and version from the subject alternative name, if
 *     the certificate carries them
 */
public record EkValidationResult(X509Certificate ekCertificate, List<X509Certificate> certificationPath,
        X509Certificate trustAnchor, Optional<TpmIdentity> tpmIdentity) {

    public EkValidationResult {
        Objects.requireNonNull(ekCertificate, "ekCertificate");
        certificationPath = List.copyOf(certificationPath);
        Objects.requireNonNull(trustAnchor, "trustAnchor");
        Objects.requireNonNull(tpmIdentity, "tpmIdentity");
    }

    /** The certified EK public key. */
    public PublicKey ekPublicKey() {
        return ekCertificate.getPublicKey();
    }

    /** Whether the certified key is {@code ekPublicKey} (compared by value, not encoding). */
    public boolean matchesPublicKey(PublicKey ekPublicKey) {
        return PublicKeys.sameKey(ekCertificate.getPublicKey(), ekPublicKey);
    }
}
