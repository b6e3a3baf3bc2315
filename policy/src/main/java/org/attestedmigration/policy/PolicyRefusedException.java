package org.attestedmigration.policy;

/** An agent refuses to run with this policy: unsigned, signed by an unknown key, or older than the one it has. */
public final class PolicyRefusedException extends Exception {
    public PolicyRefusedException(String message) {
        super(message);
    }

    public PolicyRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
