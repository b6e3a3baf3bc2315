package org.attestedmigration.cli;

/** A verification said no; the message names the failed check. Exit code 1. */
public final class RejectedException extends RuntimeException {
    public RejectedException(String message) {
        super(message);
    }
}
