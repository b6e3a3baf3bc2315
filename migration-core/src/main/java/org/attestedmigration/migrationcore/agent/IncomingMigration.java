package org.attestedmigration.migrationcore.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.logging.Logger;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.DiskImage;
import org.attestedmigration.migrationcore.replication.BackgroundReadBack;
import org.attestedmigration.migrationcore.replication.ChunkReceiver;
import org.attestedmigration.migrationcore.replication.ReplicationJournal;
import org.attestedmigration.migrationcore.transport.ChunkService;
import org.attestedmigration.securechannel.mux.MuxSession;
import org.attestedmigration.securechannel.mux.MuxStream;

/**
 * The destination's side of one VM arriving: a disk under {@code DATA/incoming}, its journal, the
 * service writing chunks into it, and — only when the source says its switchover succeeded and
 * the digests agree — the move of that disk to where the VM will be served.
 *
 * <p>A connection lost midway parks the disk (see {@link ParkedDisks}): the same source resumes
 * into it, so chunks the journal calls durable are not sent again.
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
    private static final Logger LOG = Logger.getLogger(IncomingMigration.class.getName());
    private final boolean resumed;
    private final ParkedDisks parked;
    /** Often enough that the switchover's read-back finds little left, seldom enough to batch chunks. */
    private static final java.time.Duration READ_BACK_EVERY = java.time.Duration.ofMillis(250);
    private Thread service;
    private BackgroundReadBack readBack;
    private boolean finished;

    private IncomingMigration(String vm, String peerHost, MuxSession owner, Path file, Path journal, Path target, ChunkLayout layout,
            DiskImage image, boolean resumed, ParkedDisks parked) {
        this.vm = vm;
        this.peerHost = peerHost;
        this.owner = owner;
        this.file = file;
        this.journal = journal;
        this.target = target;
        this.layout = layout;
        this.image = image;
        this.resumed = resumed;
        this.parked = parked;
        this.receiver = new ChunkReceiver(image, new ReplicationJournal(journal));
    }

    /**
     * Reopens the disk an earlier attempt of the same source parked, or creates an empty one.
     * A parked disk of another source, or of another size, is discarded: its chunks are not this
     * disk's. Which of the reopened disk's chunks count is the journal's business ({@link ChunkReceiver#open}).
     */
    static IncomingMigration prepare(DataDirectory data, String vm, String peerHost, MuxSession owner, ChunkLayout layout, Path target)
            throws IOException {
        Path file = data.incomingDisk(vm);
        Path journal = data.incomingJournal(vm);
        ParkedDisks parked = new ParkedDisks(data);
        if (parked.parkedBy(vm).filter(peerHost::equals).isPresent() && Files.size(file) == layout.imageSize()) {
            return new IncomingMigration(vm, peerHost, owner, file, journal, target, layout, DiskImage.open(file, false), true, parked);
        }
        parked.delete(vm);
        DiskImage image = DiskImage.create(file, layout.imageSize());
        parked.recordSource(vm, peerHost);
        return new IncomingMigration(vm, peerHost, owner, file, journal, target, layout, image, false, parked);
    }

    /** True if this disk was parked by an earlier attempt and is being resumed. */
    boolean resumed() {
        return resumed;
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

    private void stopReadBack() {
        if (readBack != null) {
            readBack.close();
        }
    }

    MuxSession owner() {
        return owner;
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
        readBack = BackgroundReadBack.start(receiver, READ_BACK_EVERY, vm);
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
        stopReadBack();
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
        parked.forget(vm);
        finished = true;
        return digest;
    }

    /** Discards the incoming disk and its journal; a no-op once completed. */
    synchronized void discard() {
        if (finished) {
            return;
        }
        finished = true;
        stopReadBack();
        try {
            image.close();
            parked.delete(vm);
        } catch (IOException e) {
            LOG.warning("could not discard the incoming disk of " + vm + ": " + e.getMessage());
        }
    }

    /**
     * Keeps the incoming disk for the same source to resume into, after its connection was lost:
     * what arrived completely is made durable and journaled first. A no-op once completed.
     */
    synchronized void park() throws InterruptedException {
        if (finished) {
            return;
        }
        finished = true;
        stopReadBack();
        try {
            if (service != null) {
                // The lost session ends the disk stream; let the write in progress land.
                service.join(5_000);
            }
            if (receiver.isOpen()) {
                receiver.flush();
            }
            image.close();
            parked.park(vm);
            LOG.info("parked the incoming disk of " + vm + " from " + peerHost + " for " + ParkedDisks.RESUME_WINDOW.toMinutes()
                    + " minutes: the same source resumes into it");
        } catch (IOException e) {
            LOG.warning("could not park the incoming disk of " + vm + ", discarding it: " + e.getMessage());
            try {
                image.close();
                parked.delete(vm);
            } catch (IOException again) {
                LOG.warning("could not discard the incoming disk of " + vm + ": " + again.getMessage());
            }
        }
    }
}
