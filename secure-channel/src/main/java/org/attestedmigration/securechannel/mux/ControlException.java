package org.attestedmigration.securechannel.mux;

/** The peer answered a control request with an error, or the request could not be answered. */
public class ControlException extends Exception {
    public ControlException(String message) {
        super(message);
    }

    public ControlException(String message, Throwable cause) {
        super(message, cause);
    }
}
