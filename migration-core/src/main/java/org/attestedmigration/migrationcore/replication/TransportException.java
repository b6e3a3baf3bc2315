package org.attestedmigration.migrationcore.replication;

import java.io.IOException;

/** The link to the destination failed or the destination refused a request. */
public class TransportException extends IOException {
    private static final long serialVersionUID = 1L;

    public TransportException(String message) {
        super(message);
    }

    public TransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
