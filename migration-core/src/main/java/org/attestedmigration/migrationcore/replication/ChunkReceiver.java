package org.attestedmigration.migrationcore.replication;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.DigestTree;
import org.attestedmigration.migrationcore.disk.DiskImage;
import org.attestedmigration.migrationcore.disk.ImageDigests;

/**
 * The destination side of a replication, independent of the transport: writes received chunks
 * into the destination image and keeps the destination's journal of chunks held durably.
 *
 * <p>A chunk counts as held only after a {@link #flush()}: the journal must never name a chunk
 * whose bytes a crash could still lose.
 */
public final class ChunkReceiver {
    private final DiskImage image;
    private final ReplicationJournal journal;
    private ChunkLayout layout;
    private final BitSet received = new BitSet();
    private final BitSet durable = new BitSet();
    private ReplicationPhase phase = ReplicationPhase.NOT_STARTED;
    /** Counts the writes to each chunk, so the digests re-read only what changed since. */
    private AtomicLongArray writes;
    private ImageDigests digests;
    /** Receives share it, a flush excludes them: a chunk half-written during a flush is not durable. */
    private final ReadWriteLock flushing = new ReentrantReadWriteLock();

    public ChunkReceiver(DiskImage image, ReplicationJournal journal) {
        this.image = Objects.requireNonNull(image, "image");
        this.journal = Objects.requireNonNull(journal, "journal");
    }

    /**
     * Accepts a replication of {@code layout} and says which chunks it already holds.
     *
     * @throws TransportException if the layout does not fit this image
     */
    public synchronized BitSet open(ChunkLayout requested) throws IOException {
        if (requested.imageSize() != image.size()) {
            throw new TransportException("destination image has " + image.size() + " bytes, source "
                    + requested.imageSize());
        }
        if (layout == null) {
            Optional<JournalState> saved = journal.load();
            if (saved.isPresent() && saved.get().layout().equals(requested)) {
                durable.or(saved.get().confirmed());
                received.or(durable);
            }
        } else if (!layout.equals(requested)) {
            received.clear();
            durable.clear();
        }
        if (!requested.equals(layout)) {
            AtomicLongArray counters = new AtomicLongArray(requested.chunkCount());
            writes = counters;
            digests = new ImageDigests(image, requested, counters::get);
        }
        layout = requested;
        flush();
        return (BitSet) durable.clone();
    }

    /** True once a source opened a replication into this image. */
    public synchronized boolean isOpen() {
        return layout != null;
    }

    /** Writes one chunk; the bytes must be exactly the chunk's length. */
    public void receive(int index, ByteBuffer data) throws IOException {
        ChunkLayout l = currentLayout();
        if (index < 0 || index >= l.chunkCount()) {
            throw new TransportException("chunk index " + index + " outside 0.." + (l.chunkCount() - 1));
        }
        if (data.remaining() != l.lengthOf(index)) {
            throw new TransportException("chunk " + index + " has " + data.remaining() + " bytes, expected "
                    + l.lengthOf(index));
        }
        flushing.readLock().lock();
        try {
            synchronized (this) {
                // Until the next flush the new bytes may be lost, so the chunk is no longer durable.
                durable.clear(index);
            }
            image.write(l.offsetOf(index), data);
            synchronized (this) {
                received.set(index);
                writes.incrementAndGet(index);
            }
        } finally {
            flushing.readLock().unlock();
        }
    }

    /** Makes every received chunk durable and journals them. */
    public void flush() throws IOException {
        flushing.writeLock().lock();
        try {
            image.flush();
            synchronized (this) {
                durable.or(received);
                journal.save(new JournalState(phase, currentLayout(), durable));
            }
        } finally {
            flushing.writeLock().unlock();
        }
    }

    /** Records the phase the source reported, for the journal. */
    public synchronized void phase(ReplicationPhase newPhase) {
        phase = Objects.requireNonNull(newPhase, "newPhase");
    }

    /**
     * The digest tree of the image as read back from disk; only chunks received since the last
     * call are read again (see {@link ImageDigests} for what that does and does not catch).
     */
    public DigestTree digestTree() throws IOException {
        ImageDigests d;
        synchronized (this) {
            currentLayout();
            d = digests;
        }
        return d.refresh();
    }

    private synchronized ChunkLayout currentLayout() throws TransportException {
        if (layout == null) {
            throw new TransportException("no replication opened");
        }
        return layout;
    }
}
