package org.attestedmigration.migrationcore.agent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import org.attestedmigration.migrationcore.memory.DiskWriter;
import org.attestedmigration.migrationcore.simvm.GuestDisk;

/**
 * The block device of a guest this agent runs itself: the guest process's NBD client
 * ({@link GuestDisk}) of the export this agent serves for the VM, used only while this agent
 * serves it, so a guest whose VM left (or has not arrived) never writes a disk elsewhere.
 */
final class NbdDiskWriter implements DiskWriter, AutoCloseable {
    private final String vm;
    private final BooleanSupplier served;
    private final GuestDisk disk;

    NbdDiskWriter(String vm, Path socket, BooleanSupplier served) {
        this.vm = vm;
        this.served = served;
        this.disk = new GuestDisk(socket, ServedVm.EXPORT_NAME);
    }

    @Override
    public void write(long offset, byte[] data) throws IOException {
        if (!served.getAsBoolean()) {
            disk.close();
            throw new IOException("the disk of " + vm + " is not served here");
        }
        disk.write(offset, data);
    }

    @Override
    public void close() {
        disk.close();
    }
}
