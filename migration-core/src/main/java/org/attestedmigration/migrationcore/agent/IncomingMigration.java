package org.attestedmigration.migrationcore.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.DiskImage;
import org.attestedmigration.migrationcore.replication.ChunkReceiver;
import org.attestedmigration.migrationcore.replication.ReplicationJournal;
import org.attestedmigration.migrationcore.transport.ChunkService;
import org.attestedmigration.securechannel.mux.MuxSession;
import org.attestedmigration.securechannel.mux.MuxStream;

/**
 * The destination's side of one VM arriving: an empty disk under {@code DATA/incoming}, its
 * journal, the service writing chunks into it, and — only when the source says its switchover
 * succeeded and the digests agree — the move of that disk to where the VM will be served.
 */
final class IncomingMigration {
    private final String vm;
    private final String peerHost;
    private final MuxSession owner;
    private final Path file;
    private final Path journal;
    private final Path target;
    private final ChunkLayout layout;
    private final DiskImage image;
    private final ChunkReceiver receiver;
    private Thread service;
    private boolean finished;

    private IncomingMigration(String vm, String peerHost, MuxSession owner, Path file, Path journal, Path target, ChunkLayout layout,
            DiskImage image) {
        this.vm = vm;
        this.peerHost = peerHost;
        this.owner = owner;
        this.file = file;
        this.journal = journal;
        this.target = target;
        this.layout = layout;
        this.image = image;
        this.receiver = new ChunkReceiver(image, new ReplicationJournal(journal));
    }

    /**
     * Creates the empty incoming disk. Leftovers of an earlier attempt are discarded: resuming
     * across connections is not offered yet, and stale chunks must never be taken for new ones.
     */
    static IncomingMigration prepare(DataDirectory data, String vm, String peerHost, MuxSession owner, ChunkLayout layout, Path target)
            throws IOException {
        Path file = data.incomingDisk(vm);
        Path journal = data.incomingJournal(vm);
        Files.deleteIfExists(file);
        Files.deleteIfExists(journal);
        return new IncomingMigration(vm, peerHost, owner, file, journal, target, layout, DiskImage.create(file, layout.imageSize()));
    }

    String vm() {
        return vm;
    }

    String peerHost() {
        return peerHost;
    }

    Path target() {
        return target;
    }

    long sizeBytes() {
        return layout.imageSize();
    }

    /** True if {@code session} is the one that began this migration: no other peer may feed or finish it. */
    boolean ownedBy(MuxSession session) {
        return owner == session;
    }

    /** Starts writing what the source sends on {@code stream} into the incoming disk. */
    synchronized void receive(MuxStream stream) {
        if (service != null) {
            throw new IllegalStateException("the disk of " + vm + " is already being received");
        }
        service = ChunkService.serve(receiver, stream);
    }

    /**
     * Verifies the received disk against the source's digest and moves it to {@link #target()}.
     *
     * @return the digest (Merkle root, hex) of the disk now in place
     * @throws IOException if the disk differs or cannot be moved; it is then discarded
     */
    synchronized String complete(String sourceDigest) throws IOException, InterruptedException {
        if (service != null) {
            // The source half-closes the disk stream after its switchover; wait for the last write to land.
            service.join(30_000);
            if (service.isAlive()) {
                throw new IOException("the disk stream of " + vm + " is still open");
            }
        }
        image.flush();
        // Read back from disk like the switchover's comparison; only chunks received since are read again.
        String digest = HexFormat.of().formatHex(receiver.digestTree().root());
        if (!digest.equals(sourceDigest)) {
            throw new IOException("the received disk of " + vm + " has digest " + digest + ", the source's is " + sourceDigest);
        }
        image.close();
        Files.createDirectories(target.toAbsolutePath().getParent());
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        Files.deleteIfExists(journal);
        finished = true;
        return digest;
    }

    /** Discards the incoming disk and its journal; a no-op once completed. */
    synchronized void discard() {
        if (finished) {
            return;
        }
        finished = true;
        try {
            image.close();
            Files.deleteIfExists(file);
            Files.deleteIfExists(journal);
        } catch (IOException e) {
            java.util.logging.Logger.getLogger(IncomingMigration.class.getName())
                    .warning("could not discard the incoming disk of " + vm + ": " + e.getMessage());
        }
    }
}
