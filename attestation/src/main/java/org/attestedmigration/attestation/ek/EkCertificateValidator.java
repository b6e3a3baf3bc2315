package org.attestedmigration.attestation.ek;

import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CertPath;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertStore;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.attestedmigration.attestation.ek.EkCertificateException.Rule;

/**
 * Decides whether an EK certificate was issued, through zero or more intermediates, by a TPM
 * manufacturer CA the verifier trusts, and whether it is shaped like an EK certificate.
 *
 * <p>Checks, in this order, each failing with its own {@link Rule}: the EK certificate's validity
 * period at the given instant; that it is not a CA; its key usage (keyEncipherment for RSA EKs,
 * keyAgreement for ECC EKs, as in the TCG EK Credential Profile); that its issuer is a known CA;
 * and a PKIX path (JDK CertPathBuilder, explicit date, revocation checking off because TPM
 * vendors' CRLs are not reliably reachable) to one of the trusted roots.
 *
 * <p>Immutable and thread-safe.
 */
public final class EkCertificateValidator {
    private static final int KU_KEY_ENCIPHERMENT = 2;
    private static final int KU_KEY_AGREEMENT = 4;
    private static final int KU_KEY_CERT_SIGN = 5;
    private static final int MAX_PATH = 8;

    private final List<X509Certificate> trustedRoots;
    private final List<X509Certificate> intermediates;
    private final Set<TrustAnchor> anchors;

    /**
     * @param trustedRoots manufacturer CA certificates to trust; at least one
     * @param intermediates intermediate CA certificates known in advance; EK certificates may also
     *     bring their own to {@link #validate}
     */
    public EkCertificateValidator(Collection<X509Certificate> trustedRoots, Collection<X509Certificate> intermediates) {
        this.trustedRoots = List.copyOf(trustedRoots);
        this.intermediates = List.copyOf(intermediates);
        if (this.trustedRoots.isEmpty()) {
            throw new IllegalArgumentException("at least one trusted root certificate is needed");
        }
        Set<TrustAnchor> a = new HashSet<>();
        for (X509Certificate root : this.trustedRoots) {
            a.add(new TrustAnchor(root, null));
        }
        this.anchors = Set.copyOf(a);
    }

    /**
     * A validator from a mixed list of manufacturer CA certificates, as a policy lists them:
     * self-signed ones are the roots, the others intermediates.
     *
     * @throws IllegalArgumentException if none is a self-signed root
     */
    public static EkCertificateValidator fromAnchors(Collection<X509Certificate> certificates) {
        List<X509Certificate> roots = new java.util.ArrayList<>();
        List<X509Certificate> intermediates = new java.util.ArrayList<>();
        for (X509Certificate c : certificates) {
            (isSelfSigned(c) ? roots : intermediates).add(c);
        }
        if (roots.isEmpty()) {
            throw new IllegalArgumentException("none of the " + certificates.size()
                    + " manufacturer certificates is a self-signed root CA, so no EK certificate can chain to one");
        }
        return new EkCertificateValidator(roots, intermediates);
    }

    private static boolean isSelfSigned(X509Certificate c) {
        if (!c.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
            return false;
        }
        try {
            c.verify(c.getPublicKey());
            return true;
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }

    /** A validator trusting the given roots, with no preconfigured intermediates. */
    public static EkCertificateValidator trusting(X509Certificate... trustedRoots) {
        return new EkCertificateValidator(List.of(trustedRoots), List.of());
    }

    public List<X509Certificate> trustedRoots() {
        return trustedRoots;
    }

    public List<X509Certificate> intermediates() {
        return intermediates;
    }

    /**
     * Validates {@code ekCertificate} at {@code at}.
     *
     * @param presentedIntermediates intermediates sent along with the EK certificate (untrusted;
     *     they only help path building)
     * @throws EkCertificateException naming the rule that failed
     */
    public EkValidationResult validate(X509Certificate ekCertificate, List<X509Certificate> presentedIntermediates,
            Instant at) throws EkCertificateException {
        Objects.requireNonNull(ekCertificate, "ekCertificate");
        Objects.requireNonNull(presentedIntermediates, "presentedIntermediates");
        Objects.requireNonNull(at, "at");
        Date date = Date.from(at);

        checkValidity(ekCertificate, date, "EK certificate");
        checkNotCa(ekCertificate);
        checkKeyUsage(ekCertificate);

        List<X509Certificate> pool = new ArrayList<>(intermediates);
        pool.addAll(presentedIntermediates);
        if (!issuerKnown(ekCertificate, pool)) {
            throw new EkCertificateException(Rule.UNKNOWN_CA, "EK certificate issuer '"
                    + ekCertificate.getIssuerX500Principal().getName()
                    + "' is neither a trusted root nor a known or presented intermediate CA");
        }

        PKIXCertPathBuilderResult built = buildPath(ekCertificate, pool, date);
        List<X509Certificate> path = new ArrayList<>();
        for (var c : built.getCertPath().getCertificates()) {
            path.add((X509Certificate) c);
        }
        return new EkValidationResult(ekCertificate, path, built.getTrustAnchor().getTrustedCert(),
                TpmIdentity.fromCertificate(ekCertificate));
    }

    /**
     * Like {@link #validate(X509Certificate, List, Instant)}, and also requires the certified key to
     * be {@code ekPublicKey}, the EK the TPM reported, so that a valid certificate of some other
     * TPM cannot be passed off.
     */
    public EkValidationResult validate(X509Certificate ekCertificate, List<X509Certificate> presentedIntermediates,
            Instant at, PublicKey ekPublicKey) throws EkCertificateException {
        EkValidationResult result = validate(ekCertificate, presentedIntermediates, at);
        if (!result.matchesPublicKey(ekPublicKey)) {
            throw new EkCertificateException(Rule.PUBLIC_KEY_MISMATCH,
                    "EK certificate certifies a different key than the TPM's EK");
        }
        return result;
    }

    /** Whether the certificate certifies {@code ekPublicKey} (compared by value, not encoding). */
    public static boolean matchesPublicKey(X509Certificate ekCertificate, PublicKey ekPublicKey) {
        return PublicKeys.sameKey(ekCertificate.getPublicKey(), ekPublicKey);
    }

    private static void checkValidity(X509Certificate c, Date date, String what) throws EkCertificateException {
        try {
            c.checkValidity(date);
        } catch (CertificateExpiredException e) {
            throw new EkCertificateException(Rule.EXPIRED, what + " '" + describe(c) + "' expired on "
                    + c.getNotAfter().toInstant() + " (validation time " + date.toInstant() + ")", e);
        } catch (CertificateNotYetValidException e) {
            throw new EkCertificateException(Rule.NOT_YET_VALID, what + " '" + describe(c) + "' is not valid before "
                    + c.getNotBefore().toInstant() + " (validation time " + date.toInstant() + ")", e);
        }
    }

    private static void checkNotCa(X509Certificate c) throws EkCertificateException {
        if (c.getBasicConstraints() >= 0) {
            throw new EkCertificateException(Rule.CA_CERTIFICATE,
                    "EK certificate has basicConstraints cA=true; an EK certificate must be an end-entity certificate");
        }
        boolean[] ku = c.getKeyUsage();
        if (ku != null && ku.length > KU_KEY_CERT_SIGN && ku[KU_KEY_CERT_SIGN]) {
            throw new EkCertificateException(Rule.CA_CERTIFICATE,
                    "EK certificate has key usage keyCertSign; an EK certificate must not sign certificates");
        }
    }

    private static void checkKeyUsage(X509Certificate c) throws EkCertificateException {
        PublicKey key = c.getPublicKey();
        int required;
        String name;
        if (key instanceof RSAPublicKey) {
            required = KU_KEY_ENCIPHERMENT;
            name = "keyEncipherment (RSA EK)";
        } else if (key instanceof ECPublicKey) {
            required = KU_KEY_AGREEMENT;
            name = "keyAgreement (ECC EK)";
        } else {
            throw new EkCertificateException(Rule.UNSUPPORTED_KEY,
                    "EK certificate key is " + key.getAlgorithm() + "; an EK is RSA or EC");
        }
        boolean[] ku = c.getKeyUsage();
        if (ku == null) {
            throw new EkCertificateException(Rule.KEY_USAGE,
                    "EK certificate has no key usage extension; the TCG profile requires " + name);
        }
        if (ku.length <= required || !ku[required]) {
            throw new EkCertificateException(Rule.KEY_USAGE, "EK certificate key usage lacks " + name);
        }
    }

    private boolean issuerKnown(X509Certificate c, List<X509Certificate> pool) {
        for (X509Certificate ca : trustedRoots) {
            if (ca.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
                return true;
            }
        }
        for (X509Certificate ca : pool) {
            if (ca.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
                return true;
            }
        }
        return false;
    }

    private PKIXCertPathBuilderResult buildPath(X509Certificate leaf, List<X509Certificate> pool, Date date)
            throws EkCertificateException {
        try {
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(leaf);
            PKIXBuilderParameters params = new PKIXBuilderParameters(anchors, target);
            params.setRevocationEnabled(false);
            params.setDate(date);
            params.setMaxPathLength(MAX_PATH);
            List<X509Certificate> store = new ArrayList<>(pool);
            store.add(leaf);
            params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(store)));
            return (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX").build(params);
        } catch (CertPathBuilderException e) {
            throw diagnose(leaf, pool, date, e);
        } catch (InvalidAlgorithmParameterException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK's PKIX implementation is not usable", e);
        }
    }

    /**
     * The JDK's builder reports most failures as "unable to find valid certification path". To say
     * which rule failed, chain the certificates by name and signature and let the PKIX validator,
     * which does report reasons, check that chain.
     */
    private EkCertificateException diagnose(X509Certificate leaf, List<X509Certificate> pool, Date date,
            CertPathBuilderException builderFailure) {
        List<X509Certificate> chain = new ArrayList<>();
        X509Certificate current = leaf;
        while (chain.size() <= MAX_PATH) {
            chain.add(current);
            if (signedByTrustedRoot(current)) {
                return validateChain(chain, date, builderFailure);
            }
            Optional<X509Certificate> issuer = findIssuer(current, pool);
            if (issuer.isEmpty()) {
                boolean nameKnown = issuerKnown(current, pool);
                return new EkCertificateException(nameKnown ? Rule.PATH_VALIDATION : Rule.UNKNOWN_CA,
                        nameKnown
                                ? "signature of '" + describe(current) + "' does not verify with any CA named '"
                                        + current.getIssuerX500Principal().getName() + "'"
                                : "issuer '" + current.getIssuerX500Principal().getName() + "' of '"
                                        + describe(current) + "' is not a trusted root or known intermediate",
                        builderFailure);
            }
            if (chain.contains(issuer.get())) {
                break;
            }
            current = issuer.get();
        }
        return new EkCertificateException(Rule.PATH_VALIDATION,
                "no certification path to a trusted root: " + builderFailure.getMessage(), builderFailure);
    }

    private EkCertificateException validateChain(List<X509Certificate> chain, Date date,
            CertPathBuilderException builderFailure) {
        try {
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false);
            params.setDate(date);
            CertPath path = CertificateFactory.getInstance("X.509").generateCertPath(chain);
            CertPathValidator.getInstance("PKIX").validate(path, params);
        } catch (CertPathValidatorException e) {
            int index = e.getIndex();
            String where = index >= 0 && index < chain.size() ? " at '" + describe(chain.get(index)) + "'" : "";
            Rule rule = Rule.PATH_VALIDATION;
            if (e.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
                rule = Rule.EXPIRED;
            } else if (e.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
                rule = Rule.NOT_YET_VALID;
            }
            return new EkCertificateException(rule, "certification path to a trusted root fails" + where + ": "
                    + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            return new EkCertificateException(Rule.PATH_VALIDATION,
                    "no certification path to a trusted root: " + builderFailure.getMessage(), builderFailure);
        }
        return new EkCertificateException(Rule.PATH_VALIDATION,
                "no certification path to a trusted root: " + builderFailure.getMessage(), builderFailure);
    }

    private boolean signedByTrustedRoot(X509Certificate c) {
        for (X509Certificate root : trustedRoots) {
            if (root.getSubjectX500Principal().equals(c.getIssuerX500Principal()) && verifies(c, root)) {
                return true;
            }
        }
        return false;
    }

    private static Optional<X509Certificate> findIssuer(X509Certificate c, List<X509Certificate> pool) {
        for (X509Certificate ca : pool) {
            if (ca.getSubjectX500Principal().equals(c.getIssuerX500Principal()) && verifies(c, ca)) {
                return Optional.of(ca);
            }
        }
        return Optional.empty();
    }

    private static boolean verifies(X509Certificate c, X509Certificate issuer) {
        try {
            c.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String describe(X509Certificate c) {
        String subject = c.getSubjectX500Principal().getName();
        return subject.isEmpty() ? "(empty subject, serial " + c.getSerialNumber().toString(16) + ")" : subject;
    }
}
