package org.attestedmigration.migrationcore.agent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import org.attestedmigration.migrationcore.memory.DiskWriter;
import org.attestedmigration.migrationcore.nbd.NbdClient;

/**
 * A simulated guest's block device: an NBD client of the export this agent serves for the VM,
 * so the guest's writes take the path a QEMU guest's would (write gate, chunk tracking,
 * mirroring). It connects on the first write and again after the export went away and came
 * back, as it does when the VM migrates in and its disk is served here afterwards.
 */
final class NbdDiskWriter implements DiskWriter, AutoCloseable {
    private final String vm;
    private final Path socket;
    private final BooleanSupplier served;
    private NbdClient client;

    NbdDiskWriter(String vm, Path socket, BooleanSupplier served) {
        this.vm = vm;
        this.socket = socket;
        this.served = served;
    }

    @Override
    public synchronized void write(long offset, byte[] data) throws IOException {
        if (!served.getAsBoolean()) {
            close();
            throw new IOException("the disk of " + vm + " is not served here");
        }
        if (client == null) {
            client = NbdClient.connect(socket, org.attestedmigration.migrationcore.agent.ServedVm.EXPORT_NAME);
        }
        try {
            client.write(offset, data);
        } catch (IOException e) {
            // The export closed under us (the VM left, or this agent stops): the next write reconnects if it is back.
            close();
            throw e;
        }
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
