package org.attestedmigration.migrationcore.memory;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The guest's disk writes through a {@link DiskWriter}: one write a step at a random aligned
 * offset, filled from the guest's generator. A failed write is counted and the guest goes on,
 * like a guest that sees an I/O error.
 */
final class DiskWorkload implements Runnable {
    private final DiskWriter writer;
    private final int writeBytes;
    private final long slots;
    private long rng;
    private volatile long writes;
    private volatile long failures;

    DiskWorkload(DiskWriter writer, int writeBytes, long diskSizeBytes, long rng, long writes) {
        this.writer = writer;
        this.writeBytes = writeBytes;
        this.slots = diskSizeBytes / writeBytes;
        this.rng = rng;
        this.writes = writes;
    }

    @Override
    public void run() {
        rng = Xorshift.next(rng);
        long offset = Math.floorMod(rng, slots) * writeBytes;
        ByteBuffer data = ByteBuffer.allocate(writeBytes);
        for (long x = rng; data.hasRemaining(); ) {
            x = Xorshift.next(x);
            data.putLong(x);
        }
        try {
            writer.write(offset, data.array());
            writes = writes + 1; // one writer: the guest thread
        } catch (IOException | RuntimeException e) {
            failures = failures + 1;
        }
    }

    long rng() {
        return rng;
    }

    long writes() {
        return writes;
    }

    long failures() {
        return failures;
    }
}
