package org.attestedmigration.policy;

/** A host cannot be enrolled as asked; the message says why and what to do. */
public final class EnrollmentException extends Exception {
    public EnrollmentException(String message) {
        super(message);
    }
}
