package org.attestedmigration.migrationcore.simvm;

import java.io.IOException;
import java.nio.file.Path;
import org.attestedmigration.migrationcore.memory.DiskWriter;
import org.attestedmigration.migrationcore.nbd.NbdClient;

/**
 * A simulated guest's block device: an NBD client of the agent's export, connected on the first
 * write and again after the export went away, so the guest's writes take the path a QEMU guest's
 * would (write gate, chunk tracking, mirroring). A guest process that migrates in has no disk
 * until it resumes: the agent serves the arrived disk only then and names its socket in {@code resume}.
 */
public final class GuestDisk implements DiskWriter, AutoCloseable {
    private final String export;
    private volatile Path socket;
    private NbdClient client;

    /** @param socket the export's socket, or null until {@link #attach} */
    public GuestDisk(Path socket, String export) {
        this.socket = socket;
        this.export = export;
    }

    /** Where the disk is served from now on. */
    public synchronized void attach(Path nbdSocket) {
        close();
        socket = nbdSocket;
    }

    @Override
    public synchronized void write(long offset, byte[] data) throws IOException {
        Path s = socket;
        if (s == null) {
            throw new IOException("no disk attached yet");
        }
        if (client == null) {
            client = NbdClient.connect(s, export);
        }
        try {
            client.write(offset, data);
        } catch (IOException e) {
            // The export closed under us (the agent stops serving it); the next write reconnects if it is back.
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
