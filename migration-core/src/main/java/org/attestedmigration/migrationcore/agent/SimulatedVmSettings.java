package org.attestedmigration.migrationcore.agent;

import org.attestedmigration.migrationcore.memory.DirtyPattern;
import org.attestedmigration.migrationcore.memory.SimVmOptions;

/**
 * A configured VM whose guest is a simulated VM (there is no real hypervisor to drive yet): its
 * memory migrates with its disk, and its disk writes go through the agent's NBD export of the VM.
 *
 * @param memoryMib            guest memory, 1..1024 MiB
 * @param dirtyBytesPerSecond  how fast the guest dirties its memory
 * @param diskWritesPerSecond  4 KiB disk writes per second; 0: none
 * @param process              the guest runs as a sim-vm process the agent launches and drives over
 *                             its control socket (as it would drive QEMU), not inside the agent; at a
 *                             destination, an arriving guest of this VM starts as such a process
 */
public record SimulatedVmSettings(int memoryMib, long dirtyBytesPerSecond, long diskWritesPerSecond, boolean process) {
    /** Disk write size: a typical guest block write. */
    public static final int DISK_WRITE_BYTES = 4096;

    public SimulatedVmSettings {
        if (memoryMib < 1 || memoryMib > 1024) {
            throw new IllegalArgumentException("memoryMib must be 1..1024: " + memoryMib);
        }
        if (dirtyBytesPerSecond < 0 || diskWritesPerSecond < 0) {
            throw new IllegalArgumentException("rates cannot be negative");
        }
    }

    /** A guest the agent runs in its own JVM. */
    public SimulatedVmSettings(int memoryMib, long dirtyBytesPerSecond, long diskWritesPerSecond) {
        this(memoryMib, dirtyBytesPerSecond, diskWritesPerSecond, false);
    }

    /** The simulator's options for a VM on a disk of {@code diskSizeBytes}. */
    SimVmOptions options(long diskSizeBytes) {
        return SimVmOptions.defaults().withMemoryMib(memoryMib).withDirtyRate(dirtyBytesPerSecond, DirtyPattern.RANDOM, 0.1)
                .withDiskWrites(diskWritesPerSecond, DISK_WRITE_BYTES, diskSizeBytes);
    }
}
