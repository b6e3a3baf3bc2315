package org.attestedmigration.attestation;

/**
 * Evidence was rejected. {@link #check()} names the first check that failed and
 * {@link #reason()} says why, in words an operator can act on.
 */
public final class VerificationException extends AttestationException {
    private final Check check;
    private final String reason;

    public VerificationException(Check check, String reason) {
        super(check + ": " + reason);
        this.check = check;
        this.reason = reason;
    }

    public VerificationException(Check check, String reason, Throwable cause) {
        super(check + ": " + reason, cause);
        this.check = check;
        this.reason = reason;
    }

    public Check check() {
        return check;
    }

    public String reason() {
        return reason;
    }
}
