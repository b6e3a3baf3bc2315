package org.attestedmigration.migrationcore.replication;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.ChunkMap;
import org.attestedmigration.migrationcore.disk.ChunkRange;
import org.attestedmigration.migrationcore.disk.DiskImage;

/**
 * Transfer scheduling: sends queued chunks through a {@link ChunkTransport} with a bound on
 * unacknowledged bytes, and confirms them in the {@link ChunkMap}.
 *
 * <p>At most one transfer per chunk is in flight: two copies of one chunk racing over a
 * pipelined link could land out of order and leave the older bytes at the destination while
 * the newer generation is confirmed. A chunk queued again while in flight is re-sent after its
 * acknowledgement. A chunk that is clean when its turn comes is skipped, so queueing is cheap
 * and idempotent.
 *
 * <p>A chunk the destination already holds an earlier version of goes as the byte range written
 * since its last transfer was read ({@link ChunkMap#takeWrittenRange}, see {@link ChunkMap} for
 * why that loses no write), or not at all when that range is empty. The range of a transfer that
 * is not acknowledged is put back when the shipper stops.
 *
 * <p>The sender thread never blocks on the link: the transport reads the bytes straight into the
 * buffer it sends, and {@code maxInFlightBytes} of unacknowledged transfers bound what is queued.
 *
 * <p>The first transport failure stops the shipper for good: every waiter fails and nothing
 * more is sent. A new attempt uses a new shipper.
 */
final class ChunkShipper implements AutoCloseable {
    private record Waiter(long generation, CompletableFuture<Void> done) {
    }

    private final DiskImage image;
    private final ChunkMap map;
    private final ChunkLayout layout;
    private final ChunkTransport transport;
    private final long maxInFlightBytes;
    private final Thread sender;

    private final ArrayDeque<Integer> queue = new ArrayDeque<>();
    private final BitSet queued = new BitSet();
    private final BitSet inFlight = new BitSet();
    private final BitSet resend = new BitSet();
    private final Map<Integer, List<Waiter>> waiters = new HashMap<>();
    /** The written range each in-flight transfer took: put back if it is never acknowledged. */
    private final Map<Integer, ChunkRange> taken = new HashMap<>();
    private final List<CompletableFuture<Void>> idleWaiters = new ArrayList<>();
    private long inFlightBytes;
    private long queuedBytes;
    private Throwable failure;
    private boolean closed;

    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong chunksSent = new AtomicLong();

    /** Sees every whole chunk as it is read for sending, with the generation read before it. */
    @FunctionalInterface
    interface WholeChunkReads {
        WholeChunkReads NONE = (chunk, generation, bytes) -> { };

        void read(int chunk, long generation, ByteBuffer bytes);
    }

    private final WholeChunkReads reads;

    ChunkShipper(DiskImage image, ChunkMap map, ChunkTransport transport, long maxInFlightBytes) {
        this(image, map, transport, maxInFlightBytes, WholeChunkReads.NONE);
    }

    ChunkShipper(DiskImage image, ChunkMap map, ChunkTransport transport, long maxInFlightBytes, WholeChunkReads reads) {
        this.reads = Objects.requireNonNull(reads, "reads");
        this.image = Objects.requireNonNull(image, "image");
        this.map = Objects.requireNonNull(map, "map");
        this.layout = map.layout();
        this.transport = Objects.requireNonNull(transport, "transport");
        this.maxInFlightBytes = Math.max(maxInFlightBytes, layout.chunkSize());
        this.sender = new Thread(this::sendLoop, "chunk-shipper");
        this.sender.setDaemon(true);
        this.sender.start();
    }

    long bytesSent() {
        return bytesSent.get();
    }

    long chunksSent() {
        return chunksSent.get();
    }

    /** Queues a chunk to be sent at its current contents when its turn comes. */
    synchronized void enqueue(int chunk) {
        layout.checkIndex(chunk);
        if (failure != null || closed) {
            return;
        }
        if (inFlight.get(chunk)) {
            resend.set(chunk);
        } else if (!queued.get(chunk)) {
            queued.set(chunk);
            queue.add(chunk);
            queuedBytes += layout.lengthOf(chunk);
            notifyAll();
        }
    }

    synchronized void enqueueAll(BitSet chunks) {
        for (int i = chunks.nextSetBit(0); i >= 0; i = chunks.nextSetBit(i + 1)) {
            enqueue(i);
        }
    }

    /** Completes once the destination holds {@code chunk} at {@code generation} or newer. */
    synchronized CompletableFuture<Void> awaitConfirmed(int chunk, long generation) {
        if (map.confirmedGeneration(chunk) >= generation) {
            return CompletableFuture.completedFuture(null);
        }
        if (failure != null) {
            return CompletableFuture.failedFuture(failure);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        waiters.computeIfAbsent(chunk, k -> new ArrayList<>()).add(new Waiter(generation, f));
        enqueue(chunk);
        return f;
    }

    /** Completes when nothing is queued or in flight (or fails with the transport's failure). */
    synchronized CompletableFuture<Void> idle() {
        if (failure != null) {
            return CompletableFuture.failedFuture(failure);
        }
        if (queue.isEmpty() && inFlight.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        idleWaiters.add(f);
        return f;
    }

    /** Bytes queued or in flight: the lag of an asynchronous mirror. */
    synchronized long backlogBytes() {
        return queuedBytes + inFlightBytes;
    }

    /** Blocks until the backlog is at most {@code bytes}, or the shipper stopped. */
    synchronized void awaitBacklogAtMost(long bytes) throws InterruptedException {
        while (failure == null && !closed && queuedBytes + inFlightBytes > bytes) {
            wait();
        }
    }

    synchronized Throwable failure() {
        return failure;
    }

    private void sendLoop() {
        try {
            while (true) {
                int chunk;
                int length;
                synchronized (this) {
                    while (!closed && failure == null
                            && (queue.isEmpty() || inFlightBytes + layout.lengthOf(queue.peek()) > maxInFlightBytes)) {
                        wait();
                    }
                    if (closed || failure != null) {
                        return;
                    }
                    chunk = queue.poll();
                    queued.clear(chunk);
                    length = layout.lengthOf(chunk);
                    queuedBytes -= length;
                    if (!map.isDirty(chunk)) {
                        settleIfIdle();
                        continue;
                    }
                    inFlight.set(chunk);
                    inFlightBytes += length;
                }
                send(chunk, length);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void send(int chunk, int length) {
        // Generation first, then the written range, then the bytes: see ChunkMap.
        long generation = map.generation(chunk);
        ChunkRange range = map.takeWrittenRange(chunk);
        boolean whole = !map.peerHolds(chunk) || range.coversAll(length);
        synchronized (this) {
            if (failure != null) {
                map.restoreWrittenRange(chunk, range);
                return;
            }
            taken.put(chunk, range);
        }
        if (!whole && range.isEmpty()) {
            // Every write the generation counts is in a transfer already acknowledged.
            acknowledged(chunk, length, 0, generation);
            return;
        }
        long offset = layout.offsetOf(chunk);
        CompletableFuture<Void> ack;
        int bytes = whole ? length : range.length();
        try {
            ack = whole ? transport.sendChunk(chunk, observed(new ImagePayload(image, offset, length), chunk, generation))
                    : transport.sendRange(chunk, range.start(), new ImagePayload(image, offset + range.start(), bytes));
        } catch (RuntimeException e) {
            ack = CompletableFuture.failedFuture(e);
        }
        ack.whenComplete((ok, error) -> {
            if (error != null) {
                fail(error);
            } else {
                acknowledged(chunk, length, bytes, generation);
            }
        });
    }

    /** {@code payload}, showing its bytes to {@link #reads} once the transport read them. */
    private ChunkPayload observed(ChunkPayload payload, int chunk, long generation) {
        return new ChunkPayload() {
            @Override
            public int length() {
                return payload.length();
            }

            @Override
            public void readInto(ByteBuffer dst) throws IOException {
                int start = dst.position();
                payload.readInto(dst);
                ByteBuffer read = dst.duplicate();
                read.limit(dst.position()).position(start);
                reads.read(chunk, generation, read);
            }
        };
    }

    private void acknowledged(int chunk, int length, int bytes, long generation) {
        // Futures complete outside the lock: their callbacks send NBD replies, which may block.
        List<CompletableFuture<Void>> done = new ArrayList<>();
        synchronized (this) {
            map.confirm(chunk, generation);
            taken.remove(chunk);
            if (bytes > 0) {
                bytesSent.addAndGet(bytes);
                chunksSent.incrementAndGet();
            }
            inFlight.clear(chunk);
            inFlightBytes -= length;
            List<Waiter> ws = waiters.get(chunk);
            if (ws != null) {
                long confirmed = map.confirmedGeneration(chunk);
                ws.removeIf(w -> w.generation() <= confirmed && done.add(w.done()));
                if (ws.isEmpty()) {
                    waiters.remove(chunk);
                } else {
                    resend.set(chunk);
                }
            }
            if (resend.get(chunk)) {
                resend.clear(chunk);
                enqueue(chunk);
            }
            if (queue.isEmpty() && inFlight.isEmpty()) {
                done.addAll(idleWaiters);
                idleWaiters.clear();
            }
            notifyAll();
        }
        done.forEach(f -> f.complete(null));
    }

    private void fail(Throwable error) {
        List<CompletableFuture<Void>> failing = new ArrayList<>();
        synchronized (this) {
            if (failure != null) {
                return;
            }
            failure = error;
            // The destination may not have these bytes: a later transfer must send them again.
            taken.forEach(map::restoreWrittenRange);
            taken.clear();
            waiters.values().forEach(ws -> ws.forEach(w -> failing.add(w.done())));
            waiters.clear();
            failing.addAll(idleWaiters);
            idleWaiters.clear();
            queue.clear();
            queued.clear();
            queuedBytes = 0;
            notifyAll();
        }
        failing.forEach(f -> f.completeExceptionally(error));
    }

    private void settleIfIdle() {
        if (queue.isEmpty() && inFlight.isEmpty()) {
            idleWaiters.forEach(f -> f.complete(null));
            idleWaiters.clear();
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        fail(new TransportException("replication stopped"));
        // Never interrupt the sender: an interrupt during a FileChannel read closes the channel,
        // which is the source disk the VM is still running on.
    }
}
