package org.attestedmigration.migrationcore.replication;

import java.io.IOException;

/** A journal file exists but is not a journal this code wrote (bad magic, version or checksum). */
public final class JournalCorruptException extends IOException {
    private static final long serialVersionUID = 1L;

    public JournalCorruptException(String message) {
        super(message);
    }
}
