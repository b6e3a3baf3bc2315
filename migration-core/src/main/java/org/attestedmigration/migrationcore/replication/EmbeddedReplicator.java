package org.attestedmigration.migrationcore.replication;

import java.io.IOException;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.ChunkMap;
import org.attestedmigration.migrationcore.disk.DigestTree;
import org.attestedmigration.migrationcore.disk.DiskImage;
import org.attestedmigration.migrationcore.disk.ImageDigests;

/**
 * Migrates one disk while its VM writes to it: bulk copy, dirty re-copy rounds, mirroring, and a
 * verified switchover, resuming from the journals after a dropped link.
 *
 * <p>Use: {@link #converge()} returns once mirroring runs (the VM keeps writing; its memory can
 * now migrate); {@link #prepareSwitchover()} optionally reads both images back while the VM
 * still runs; {@link #switchover()} pauses writes, drains and compares digest trees. Any
 * failure before switchover detaches the mirror, lifts every throttle or pause, and throws: the
 * source image is only ever read, so the VM keeps running on it.
 *
 * <p>Not thread-safe: one caller drives one replicator; writes arrive concurrently through the
 * {@link ReplicationWriteHook}.
 */
public final class EmbeddedReplicator implements AutoCloseable {
    private static final long POLL_MILLIS = 200;
    /** A round that does not shrink the dirty set below this fraction of the last counts as stuck. */
    private static final double SHRINK_FACTOR = 0.9;
    private static final int MAX_ROUNDS = 64;

    private final DiskImage source;
    private final ReplicationWriteHook hook;
    private final ChunkMap map;
    private final ChunkLayout layout;
    private final ChunkTransport transport;
    private final ReplicationJournal journal;
    private final ReplicationSettings settings;
    private final ProgressListener listener;
    private final ChunkShipper shipper;
    private final ImageDigests digests;
    private boolean prepared;

    private volatile ReplicationPhase phase = ReplicationPhase.NOT_STARTED;
    private volatile int round;
    private volatile double rate;
    private long lastRateBytes;
    private long lastRateNanos = System.nanoTime();
    private long lastCheckpoint = System.nanoTime();

    public EmbeddedReplicator(DiskImage source, ReplicationWriteHook hook, ChunkTransport transport,
            ReplicationJournal journal, ReplicationSettings settings, ProgressListener listener) {
        this.source = Objects.requireNonNull(source, "source");
        this.hook = Objects.requireNonNull(hook, "hook");
        this.map = hook.chunkMap();
        this.layout = map.layout();
        if (layout.imageSize() != source.size()) {
            throw new IllegalArgumentException("hook tracks " + layout.imageSize() + " bytes, image has "
                    + source.size());
        }
        this.transport = Objects.requireNonNull(transport, "transport");
        this.journal = Objects.requireNonNull(journal, "journal");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.digests = new ImageDigests(source, layout, map::generation);
        // The bytes read to send a chunk are the chunk on disk at that generation: hashing them spares the read-back.
        this.shipper = new ChunkShipper(source, map, transport, settings.maxInFlightBytes(), digests::offer);
    }

    public ReplicationPhase phase() {
        return phase;
    }

    /** A snapshot of the progress now. */
    public ReplicationProgress progress() {
        return new ReplicationProgress(phase, round, shipper.bytesSent(), shipper.chunksSent(),
                map.dirtyCount(), map.dirtyBytes(), rate, hook.gate().rateLimit());
    }

    /**
     * Copies the disk until the destination trails by little, then starts mirroring and returns.
     *
     * @throws ReplicationException if the link fails or the destination refuses; the VM keeps
     *     running on the source and a new replicator resumes from the journals
     */
    public void converge() throws ReplicationException {
        if (phase != ReplicationPhase.NOT_STARTED) {
            throw new IllegalStateException("converge() already ran; phase " + phase);
        }
        failingOver(() -> {
            resume();
            enter(ReplicationPhase.BULK_COPY);
            shipper.enqueueAll(map.dirtyChunks());
            awaitIdle();
            enter(ReplicationPhase.DIRTY_ROUNDS);
            recopyRounds();
            hook.attach(settings.mirrorMode() == MirrorMode.SYNC
                    ? new SyncMirror(map, shipper) : new AsyncMirror(shipper, settings.maxAsyncLagBytes()));
            hook.gate().limitRate(0);
            enter(ReplicationPhase.MIRRORING);
            // Whatever the rounds left behind drains while the mirror bounds what is added.
            shipper.enqueueAll(map.dirtyChunks());
            return null;
        });
    }

    /**
     * Makes the destination durable and reads both images back and hashes them while the VM still
     * runs and the mirror keeps them in step, so that {@link #switchover()} flushes and re-reads
     * only the chunks written after this. Call it while something else takes time anyway (the
     * memory's pre-copy); {@link #switchover()} does it itself, before pausing, if nobody did.
     *
     * <p>Nothing is compared here: chunks in flight legitimately differ until the drain.
     *
     * @throws ReplicationException if reading either image or the link failed; as before
     *     switchover, the VM keeps running on the source
     */
    public void prepareSwitchover() throws ReplicationException {
        if (phase != ReplicationPhase.MIRRORING) {
            throw new IllegalStateException("prepareSwitchover needs MIRRORING, phase is " + phase);
        }
        failingOver(() -> {
            long deadline = System.nanoTime() + settings.switchoverTimeout().toNanos();
            // Write back what the destination holds now, so the flush inside the pause has only the last chunks to write.
            CompletableFuture<Void> flushed = transport.flush();
            CompletableFuture<DigestTree> remote = transport.digestTree();
            digests.refresh();
            get(flushed, deadline);
            get(remote, deadline);
            prepared = true;
            return null;
        });
    }

    /**
     * Pauses guest writes, sends the last dirty chunks and compares both digest trees. On success
     * writes stay paused (the source must not diverge from the destination it handed over); on
     * failure they resume on the source.
     *
     * @throws SwitchoverMismatchException if the destination's image differs (named chunks)
     * @throws ReplicationException if draining or verifying failed
     */
    public SwitchoverResult switchover() throws ReplicationException {
        if (phase != ReplicationPhase.MIRRORING) {
            throw new IllegalStateException("switchover needs MIRRORING, phase is " + phase);
        }
        if (!prepared) {
            prepareSwitchover();
        }
        long pausedAt = System.nanoTime();
        long sentBefore = shipper.chunksSent();
        return failingOver(() -> {
            enter(ReplicationPhase.SWITCHOVER);
            hook.gate().pause();
            long deadline = pausedAt + settings.switchoverTimeout().toNanos();
            shipper.enqueueAll(map.dirtyChunks());
            get(shipper.idle(), deadline);
            if (map.dirtyCount() != 0) {
                throw new ReplicationException(phase, map.dirtyCount() + " chunks dirty after the drain", null);
            }
            long drainedAt = System.nanoTime();
            get(transport.flush(), deadline);
            long flushedAt = System.nanoTime();
            CompletableFuture<DigestTree> remote = transport.digestTree();
            DigestTree local = digests.refresh();
            List<Integer> differing = local.differingChunks(get(remote, deadline));
            if (!differing.isEmpty()) {
                differing.forEach(map::invalidate);
                throw new SwitchoverMismatchException(differing);
            }
            long verifiedAt = System.nanoTime();
            hook.detach();
            enter(ReplicationPhase.COMPLETED);
            journal.save(new JournalState(ReplicationPhase.COMPLETED, layout, map.cleanChunks()));
            return new SwitchoverResult(local.root(), Duration.ofNanos(System.nanoTime() - pausedAt),
                    shipper.chunksSent() - sentBefore, shipper.bytesSent(), Duration.ofNanos(drainedAt - pausedAt),
                    Duration.ofNanos(flushedAt - drainedAt), Duration.ofNanos(verifiedAt - flushedAt));
        });
    }

    /** Source chunks whose digest the next comparison would have to read from disk. */
    int sourceChunksToReread() {
        return digests.staleChunks();
    }

    /** A step of a phase that may fail in any way; see {@link #failingOver}. */
    @FunctionalInterface
    private interface Step<T> {
        T run() throws ReplicationException, InterruptedException, IOException;
    }

    /** Runs {@code step}; any failure detaches the mirror and lets the VM go on writing on the source. */
    private <T> T failingOver(Step<T> step) throws ReplicationException {
        try {
            return step.run();
        } catch (ReplicationException e) {
            throw failed(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(new ReplicationException(phase, "interrupted", e));
        } catch (IOException | RuntimeException e) {
            throw failed(new ReplicationException(phase, e.getMessage(), e));
        }
    }

    /** Applies what both journals say the destination holds, so confirmed chunks are not re-sent. */
    private void resume() throws IOException, ReplicationException, InterruptedException {
        BitSet remote = get(transport.open(layout), System.nanoTime() + settings.switchoverTimeout().toNanos());
        Optional<JournalState> saved = journal.load();
        if (saved.isPresent() && saved.get().layout().equals(layout)) {
            BitSet both = saved.get().confirmed();
            both.and(remote);
            map.restoreConfirmed(both);
        }
        // Whatever the destination does not hold durably must go again, whatever we believed.
        for (int i = 0; i < layout.chunkCount(); i++) {
            if (!remote.get(i)) {
                map.invalidate(i);
            }
        }
    }

    private void recopyRounds() throws ReplicationException, InterruptedException, IOException {
        long deadline = System.nanoTime() + settings.convergenceDeadline().toNanos();
        long previous = Long.MAX_VALUE;
        while (round < MAX_ROUNDS) {
            long dirty = map.dirtyBytes();
            if (dirty <= settings.convergedBytes() || System.nanoTime() > deadline) {
                return;
            }
            if (previous != Long.MAX_VALUE && dirty > previous * SHRINK_FACTOR) {
                if (!settings.throttleWrites()) {
                    return;
                }
                tightenThrottle();
            }
            previous = dirty;
            round++;
            shipper.enqueueAll(map.dirtyChunks());
            awaitIdle();
        }
    }

    /** Halves the guest's allowed write rate, starting from half the measured link rate. */
    private void tightenThrottle() {
        long current = hook.gate().rateLimit();
        long next = current == 0 ? (long) (rate / 2) : current / 2;
        hook.gate().limitRate(Math.max(settings.minWriteRate(), next));
        report();
    }

    /** Waits for the shipper to drain, reporting progress and checkpointing the journals meanwhile. */
    private void awaitIdle() throws ReplicationException, InterruptedException, IOException {
        CompletableFuture<Void> idle = shipper.idle();
        while (true) {
            try {
                idle.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
                report();
                return;
            } catch (TimeoutException e) {
                report();
                if (System.nanoTime() - lastCheckpoint > settings.checkpointInterval().toNanos()) {
                    checkpoint();
                }
            } catch (ExecutionException e) {
                throw new ReplicationException(phase, "link failed: " + e.getCause().getMessage(), e.getCause());
            }
        }
    }

    /**
     * Makes progress durable: chunks clean now were acknowledged before the destination's flush
     * below, so once it returns the destination holds them and the journal may say so.
     */
    private void checkpoint() throws ReplicationException, InterruptedException, IOException {
        BitSet clean = map.cleanChunks();
        get(transport.flush(), System.nanoTime() + settings.switchoverTimeout().toNanos());
        journal.save(new JournalState(phase, layout, clean));
        lastCheckpoint = System.nanoTime();
    }

    private void enter(ReplicationPhase next) {
        phase = next;
        report();
    }

    private void report() {
        long now = System.nanoTime();
        long sent = shipper.bytesSent();
        if (now - lastRateNanos >= TimeUnit.MILLISECONDS.toNanos(100)) {
            rate = (sent - lastRateBytes) * 1e9 / (now - lastRateNanos);
            lastRateBytes = sent;
            lastRateNanos = now;
        }
        listener.progress(progress());
    }

    private <T> T get(CompletableFuture<T> f, long deadlineNanos) throws ReplicationException,
            InterruptedException {
        try {
            return f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new ReplicationException(phase, "link failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new ReplicationException(phase, "timed out", e);
        }
    }

    private ReplicationException failed(ReplicationException e) {
        hook.detach();
        hook.gate().limitRate(0);
        hook.gate().resume();
        // The last checkpoint stays valid; the destination's own journal covers the rest.
        shipper.close();
        phase = ReplicationPhase.FAILED;
        report();
        return e;
    }

    /** Stops sending. Does not touch the source image; after a COMPLETED switchover the gate stays paused. */
    @Override
    public void close() {
        if (phase != ReplicationPhase.COMPLETED) {
            hook.detach();
            hook.gate().limitRate(0);
            hook.gate().resume();
        }
        shipper.close();
    }
}
