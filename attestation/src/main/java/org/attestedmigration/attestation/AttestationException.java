package org.attestedmigration.attestation;

/** Base of every checked error this module reports; the message says what went wrong and where. */
public class AttestationException extends Exception {
    public AttestationException(String message) {
        super(message);
    }

    public AttestationException(String message, Throwable cause) {
        super(message, cause);
    }
}
