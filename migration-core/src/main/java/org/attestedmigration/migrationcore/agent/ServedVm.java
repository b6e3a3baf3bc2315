package org.attestedmigration.migrationcore.agent;

import java.io.IOException;
import java.nio.file.Path;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.DiskImage;
import org.attestedmigration.migrationcore.nbd.NbdExport;
import org.attestedmigration.migrationcore.nbd.NbdServer;
import org.attestedmigration.migrationcore.replication.ReplicationWriteHook;

/**
 * A VM's disk as this agent serves it: the raw image, its NBD export on a unix socket, and the
 * write hook that tracks every write so the disk can migrate while it is in use. The hook lives as
 * long as the export so that writes between two migration attempts are never missed.
 */
public final class ServedVm implements AutoCloseable {
    /** Small enough that a mirrored 4 KiB guest write re-sends little, large enough to amortise per-chunk costs. */
    public static final int CHUNK_SIZE = 128 * 1024;
    /** The export name clients ask for: {@code nbd+unix:///vda?socket=...}. */
    public static final String EXPORT_NAME = "vda";

    private final String name;
    private final DiskImage image;
    private final ReplicationWriteHook hook;
    private final NbdServer nbd;

    private ServedVm(String name, DiskImage image, ReplicationWriteHook hook, NbdServer nbd) {
        this.name = name;
        this.image = image;
        this.hook = hook;
        this.nbd = nbd;
    }

    /** Opens {@code disk} read-write and serves it on {@code socket}. */
    public static ServedVm serve(String name, Path disk, Path socket) throws IOException {
        DiskImage image = DiskImage.open(disk, false);
        try {
            ReplicationWriteHook hook = new ReplicationWriteHook(new ChunkLayout(image.size(), CHUNK_SIZE));
            NbdServer nbd = NbdServer.start(socket, new NbdExport(EXPORT_NAME, image, hook));
            return new ServedVm(name, image, hook, nbd);
        } catch (IOException | RuntimeException e) {
            image.close();
            throw e;
        }
    }

    public String name() {
        return name;
    }

    public DiskImage image() {
        return image;
    }

    public ReplicationWriteHook hook() {
        return hook;
    }

    public Path disk() {
        return image.path();
    }

    public Path socket() {
        return nbd.socketPath();
    }

    /** Stops serving: the socket goes away, clients are disconnected, the image is closed (never deleted). */
    @Override
    public void close() throws IOException {
        try {
            nbd.close();
        } finally {
            image.close();
        }
    }
}
