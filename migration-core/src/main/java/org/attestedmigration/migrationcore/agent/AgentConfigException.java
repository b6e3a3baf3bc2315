package org.attestedmigration.migrationcore.agent;

/** The agent's configuration file is unreadable or wrong; the message names the file and the key. */
public final class AgentConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public AgentConfigException(String message) {
        super(message);
    }

    public AgentConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
