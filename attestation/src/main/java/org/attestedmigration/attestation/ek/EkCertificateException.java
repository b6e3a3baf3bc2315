package org.attestedmigration.attestation.ek;

import java.util.Objects;
import org.attestedmigration.attestation.AttestationException;

/** An EK certificate is not acceptable; {@link #rule()} says which check failed. */
public class EkCertificateException extends AttestationException {

    /** The check an EK certificate failed. */
    public enum Rule {
        /** The issuer is neither a trusted root nor a configured or presented intermediate. */
        UNKNOWN_CA,
        /** A certificate in the path is past its notAfter at the validation time. */
        EXPIRED,
        /** A certificate in the path is before its notBefore at the validation time. */
        NOT_YET_VALID,
        /** No valid PKIX path to a trusted root (bad signature, CA constraints, name chaining...). */
        PATH_VALIDATION,
        /** Key usage missing or not the one the TCG profile gives EKs of this key type. */
        KEY_USAGE,
        /** The certificate is a CA certificate, which an EK certificate must never be. */
        CA_CERTIFICATE,
        /** The certified key is neither RSA nor EC. */
        UNSUPPORTED_KEY,
        /** The certified key is not the EK the TPM reported. */
        PUBLIC_KEY_MISMATCH,
        /** An extension this package reads (the TCG subject alternative name) does not parse. */
        MALFORMED_EXTENSION
    }

    private final Rule rule;

    public EkCertificateException(Rule rule, String message) {
        super(message);
        this.rule = Objects.requireNonNull(rule, "rule");
    }

    public EkCertificateException(Rule rule, String message, Throwable cause) {
        super(message, cause);
        this.rule = Objects.requireNonNull(rule, "rule");
    }

    public Rule rule() {
        return rule;
    }
}
