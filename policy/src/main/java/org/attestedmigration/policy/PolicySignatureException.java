package org.attestedmigration.policy;

/** A policy's signature is missing, malformed, by an unknown key, or does not verify. */
public final class PolicySignatureException extends Exception {
    public PolicySignatureException(String message) {
        super(message);
    }

    public PolicySignatureException(String message, Throwable cause) {
        super(message, cause);
    }
}
