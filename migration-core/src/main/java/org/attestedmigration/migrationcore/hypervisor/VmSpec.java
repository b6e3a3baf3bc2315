package org.attestedmigration.migrationcore.hypervisor;

import java.util.Objects;

/**
 * What a VM is, as both hosts must agree on it: its name, its memory size and the name of the NBD
 * export that holds its disk.
 *
 * @param name unique on a host; 1..255 bytes of UTF-8 without control characters
 * @param memoryBytes a positive multiple of {@link #PAGE_SIZE}, at most {@link #MAX_MEMORY_BYTES}
 * @param diskExportName the agent's NBD export the VM's disk is served from
 */
public record VmSpec(String name, long memoryBytes, String diskExportName) {
    /** Pages are 4 KiB, as on x86 and in both hypervisors' migration streams. */
    public static final int PAGE_SIZE = 4096;
    /** Guest memory is held in one Java array; this keeps page indexes and offsets in an int. */
    public static final long MAX_MEMORY_BYTES = 1L << 30;

    public VmSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(diskExportName, "diskExportName");
        if (name.isEmpty() || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255
                || name.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("VM name must be 1..255 bytes without control characters: " + name);
        }
        if (memoryBytes <= 0 || memoryBytes % PAGE_SIZE != 0 || memoryBytes > MAX_MEMORY_BYTES) {
            throw new IllegalArgumentException("memory must be a positive multiple of 4 KiB up to 1 GiB, got " + memoryBytes);
        }
    }

    /** A VM of {@code mib} MiB. */
    public static VmSpec ofMib(String name, int mib, String diskExportName) {
        return new VmSpec(name, (long) mib << 20, diskExportName);
    }

    public int pageCount() {
        return (int) (memoryBytes / PAGE_SIZE);
    }
}
