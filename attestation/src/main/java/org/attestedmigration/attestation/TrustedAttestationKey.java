package org.attestedmigration.attestation;

import java.security.cert.X509Certificate;
import java.util.Optional;
import org.attestedmigration.attestation.tpm2.PublicArea;

/**
 * An attestation key a {@link Verifier} may accept quotes from, and why: either an administrator
 * pinned it, or it passed credential activation against an endorsement key whose certificate
 * chains to a trusted TPM manufacturer ({@link AttestationKeyActivation}).
 */
public final class TrustedAttestationKey {
    /** Why the key is trusted. */
    public enum Basis {
        /** An administrator recorded this exact key (e.g. at enrollment). */
        PINNED,
        /** Proven in this session to live in the TPM whose EK certificate was validated. */
        ACTIVATED
    }

    private final PublicArea publicArea;
    private final Basis basis;
    private final X509Certificate ekCertificate;

    private TrustedAttestationKey(PublicArea publicArea, Basis basis, X509Certificate ekCertificate) {
        this.publicArea = publicArea;
        this.basis = basis;
        this.ekCertificate = ekCertificate;
    }

    /** An administrator's pinned AK, given as its TPMT_PUBLIC. */
    public static TrustedAttestationKey pinned(byte[] akPublicArea) throws MalformedStructureException {
        return new TrustedAttestationKey(PublicArea.parse(akPublicArea), Basis.PINNED, null);
    }

    static TrustedAttestationKey activated(PublicArea publicArea, X509Certificate ekCertificate) {
        return new TrustedAttestationKey(publicArea, Basis.ACTIVATED, ekCertificate);
    }

    public PublicArea publicArea() {
        return publicArea;
    }

    public Basis basis() {
        return basis;
    }

    /** The validated EK certificate, for an activated key. */
    public Optional<X509Certificate> ekCertificate() {
        return Optional.ofNullable(ekCertificate);
    }
}
