package org.attestedmigration.migrationcore.replication;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLongArray;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.DigestTree;
import org.attestedmigration.migrationcore.disk.DiskImage;
import org.attestedmigration.migrationcore.disk.ImageDigests;

/**
 * The destination side of a replication, independent of the transport: writes received chunks
 * (and ranges of chunks) into the destination image and keeps the destination's journal of
 * chunks held durably.
 *
 * <p>A chunk counts as held only after a {@link #flush()}: the journal must never name a chunk
 * whose bytes a crash could still lose. A flush does not stop receiving: it snapshots the chunks
 * whose writes completed before the image's fsync started, and afterwards marks durable only
 * those of them no write started on meanwhile (a chunk half-rewritten during the fsync is not
 * durable). The monitor guards only this bookkeeping; image writes, the fsync and the journal
 * write run outside it.
 */
public final class ChunkReceiver {
    private final DiskImage image;
    private final ReplicationJournal journal;
    private ChunkLayout layout;
    private final BitSet received = new BitSet();
    private final BitSet durable = new BitSet();
    /** Chunks a write started on since the running flush took its snapshot. */
    private final BitSet startedSinceSnapshot = new BitSet();
    /** Writes in progress per chunk. */
    private int[] writing = new int[0];
    private ReplicationPhase phase = ReplicationPhase.NOT_STARTED;
    /** Counts the writes to each chunk, so the digests re-read only what changed since. */
    private AtomicLongArray writes;
    private ImageDigests digests;
    /** One flush at a time, so journals are saved in the order of their snapshots. */
    private final Object flushing = new Object();

    public ChunkReceiver(DiskImage image, ReplicationJournal journal) {
        this.image = Objects.requireNonNull(image, "image");
        this.journal = Objects.requireNonNull(journal, "journal");
    }

    /**
     * Accepts a replication of {@code layout} and says which chunks it already holds.
     *
     * @throws TransportException if the layout does not fit this image
     */
    public BitSet open(ChunkLayout requested) throws IOException {
        synchronized (this) {
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
                writing = new int[requested.chunkCount()];
            }
            layout = requested;
        }
        flush();
        synchronized (this) {
            return (BitSet) durable.clone();
        }
    }

    /** True once a source opened a replication into this image. */
    public synchronized boolean isOpen() {
        return layout != null;
    }

    /** Writes one whole chunk; the bytes (in order, across {@code data}) must be exactly the chunk's length. */
    public void receive(int index, ByteBuffer... data) throws IOException {
        ChunkLayout l = currentLayout();
        checkIndex(l, index);
        long length = remaining(data);
        if (length != l.lengthOf(index)) {
            throw new TransportException("chunk " + index + " has " + length + " bytes, expected " + l.lengthOf(index));
        }
        write(l, index, 0, data, false);
    }

    /** Writes one whole chunk of zeros: the source's chunk holds nothing else. */
    public void receiveZeroes(int index) throws IOException {
        ChunkLayout l = currentLayout();
        checkIndex(l, index);
        write(l, index, 0, null, false);
    }

    /**
     * Writes part of a chunk in place, from {@code offset} within it: the source sends the range
     * written since the version of the chunk this side already holds.
     */
    public void receiveRange(int index, int offset, ByteBuffer... data) throws IOException {
        ChunkLayout l = currentLayout();
        checkIndex(l, index);
        long length = remaining(data);
        int chunkLength = l.lengthOf(index);
        if (offset < 0 || offset >= chunkLength || length <= 0 || length > chunkLength - offset) {
            throw new TransportException("range [" + offset + ", +" + length + ") of chunk " + index
                    + " outside its " + chunkLength + " bytes");
        }
        write(l, index, offset, data, true);
    }

    /** @param data the bytes, in order; null for a whole chunk of zeros */
    private void write(ChunkLayout l, int index, int offset, ByteBuffer[] data, boolean partial) throws IOException {
        synchronized (this) {
            if (partial && !received.get(index)) {
                // The rest of the chunk would be whatever this disk had: refuse rather than mix.
                throw new TransportException("range for chunk " + index + ", which this side does not hold");
            }
            // Until the next flush the new bytes may be lost, so the chunk is no longer durable.
            durable.clear(index);
            startedSinceSnapshot.set(index);
            writing[index]++;
        }
        boolean landed = false;
        try {
            long position = l.offsetOf(index) + offset;
            if (data == null) {
                image.writeZeroes(position, l.lengthOf(index));
            }
            for (ByteBuffer b : data == null ? new ByteBuffer[0] : data) {
                int n = b.remaining();
                image.write(position, b);
                position += n;
            }
            landed = true;
        } finally {
            synchronized (this) {
                writing[index]--;
                if (landed) {
                    received.set(index);
                    writes.incrementAndGet(index);
                } else {
                    // Part of the chunk may be new, part old: nothing a flush may call held.
                    received.clear(index);
                }
            }
        }
    }

    /** Makes every chunk received so far durable and journals them. */
    public void flush() throws IOException {
        synchronized (flushing) {
            BitSet complete;
            synchronized (this) {
                ChunkLayout l = currentLayout();
                complete = (BitSet) received.clone();
                for (int i = 0; i < l.chunkCount(); i++) {
                    if (writing[i] > 0) {
                        complete.clear(i);
                    }
                }
                startedSinceSnapshot.clear();
            }
            image.flush();
            JournalState state;
            synchronized (this) {
                complete.andNot(startedSinceSnapshot);
                durable.or(complete);
                state = new JournalState(phase, layout, (BitSet) durable.clone());
            }
            journal.save(state);
        }
    }

    /** Records the phase the source reported, for the journal. */
    public synchronized void phase(ReplicationPhase newPhase) {
        phase = Objects.requireNonNull(newPhase, "newPhase");
    }

    /** Chunks whose read-back digest is missing or older than their last write. */
    synchronized int staleDigests() throws TransportException {
        currentLayout();
        return digests.staleChunks();
    }

    /**
     * Reads back and hashes the chunks received since the last call, without building the tree:
     * run in the background ({@link BackgroundReadBack}) so that the switchover finds little left.
     */
    public void refreshDigests() throws IOException {
        ImageDigests d;
        synchronized (this) {
            currentLayout();
            d = digests;
        }
        d.refreshLeaves();
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

    private static void checkIndex(ChunkLayout l, int index) throws TransportException {
        if (index < 0 || index >= l.chunkCount()) {
            throw new TransportException("chunk index " + index + " outside 0.." + (l.chunkCount() - 1));
        }
    }

    private static long remaining(ByteBuffer[] data) {
        long n = 0;
        for (ByteBuffer b : data) {
            n += b.remaining();
        }
        return n;
    }

    private synchronized ChunkLayout currentLayout() throws TransportException {
        if (layout == null) {
            throw new TransportException("no replication opened");
        }
        return layout;
    }
}
