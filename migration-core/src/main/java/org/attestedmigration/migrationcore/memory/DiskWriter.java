package org.attestedmigration.migrationcore.memory;

import java.io.IOException;

/**
 * Where the simulated guest's disk writes go; the agent connects it to an NBD client of the VM's
 * export. Called from one workload thread; may block (a paused or throttled export) but should
 * give up eventually: a stuck write also holds up pausing the VM.
 */
@FunctionalInterface
public interface DiskWriter {
    /** Discards every write. */
    DiskWriter NONE = (offset, data) -> { };

    void write(long offset, byte[] data) throws IOException;
}
