package org.attestedmigration.cli;

/** A mistake in what the user gave us (arguments, file contents); printed without a stack trace, exit code 2. */
public final class UserInputException extends RuntimeException {
    public UserInputException(String message) {
        super(message);
    }

    public UserInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
