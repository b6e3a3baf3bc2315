package org.attestedmigration.migrationcore.agent;

/** The agent could not start: its TPM, policy, keys, disks or sockets are not usable; the message says which. */
public final class AgentStartException extends Exception {
    private static final long serialVersionUID = 1L;

    public AgentStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
