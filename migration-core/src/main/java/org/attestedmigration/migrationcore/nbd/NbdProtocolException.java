package org.attestedmigration.migrationcore.nbd;

import java.io.IOException;

/**
 * A client broke the protocol so that the connection cannot continue (bad magic, unknown
 * client flags, an oversized payload we refuse to read); the server closes that connection.
 */
public final class NbdProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public NbdProtocolException(String message) {
        super(message);
    }
}
