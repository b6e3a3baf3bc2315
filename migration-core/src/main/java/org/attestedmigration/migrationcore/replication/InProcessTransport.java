package org.attestedmigration.migrationcore.replication;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.DigestTree;

/**
 * A {@link ChunkTransport} to a {@link ChunkReceiver} in the same process, through a simulated
 * link: chunks (and ranges) are serialised one after another at the link's rate, then delivered after its
 * latency, in order. The link can be told to break after a number of chunks; from then on every
 * call fails, as a dropped connection would.
 */
public final class InProcessTransport implements ChunkTransport {
    private final ChunkReceiver receiver;
    private final LinkModel link;
    private final ExecutorService wire;
    private final ScheduledExecutorService delivery;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong bytesDelivered = new AtomicLong();
    private volatile boolean broken;
    /** When the simulated wire is free again, in nanoTime. */
    private long wireFreeAt;

    public InProcessTransport(ChunkReceiver receiver, LinkModel link) {
        this.receiver = Objects.requireNonNull(receiver, "receiver");
        this.link = Objects.requireNonNull(link, "link");
        this.wire = Executors.newSingleThreadExecutor(r -> daemon(r, "link-wire"));
        this.delivery = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "link-delivery"));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Chunks and ranges delivered to the receiver through this transport. */
    public long chunksDelivered() {
        return delivered.get();
    }

    public long bytesDelivered() {
        return bytesDelivered.get();
    }

    /** Breaks the link now, as a cable pull would. */
    public void breakLink() {
        broken = true;
    }

    @Override
    public CompletableFuture<BitSet> open(ChunkLayout layout) {
        return call(() -> receiver.open(layout));
    }

    @Override
    public CompletableFuture<Void> sendChunk(int index, ChunkPayload data) {
        return send(index, -1, data);
    }

    @Override
    public CompletableFuture<Void> sendRange(int index, int offset, ChunkPayload data) {
        return send(index, offset, data);
    }

    /** {@code offset} -1 for a whole chunk. */
    private CompletableFuture<Void> send(int index, int offset, ChunkPayload payload) {
        CompletableFuture<Void> ack = new CompletableFuture<>();
        if (broken) {
            return CompletableFuture.failedFuture(new TransportException("link down"));
        }
        ByteBuffer copy;
        try {
            // Read at send time, as a real transport does when it fills its buffer.
            copy = payload.readAll();
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new TransportException("reading chunk " + index + " failed", e));
        }
        try {
            wire.execute(() -> transmit(index, offset, copy, ack));
        } catch (RuntimeException e) {
            ack.completeExceptionally(new TransportException("transport closed", e));
        }
        return ack;
    }

    private void transmit(int index, int offset, ByteBuffer data, CompletableFuture<Void> ack) {
        if (link.bytesPerSecond() > 0) {
            long now = System.nanoTime();
            long start = Math.max(now, wireFreeAt);
            wireFreeAt = start + data.remaining() * 1_000_000_000L / link.bytesPerSecond();
            sleepUntil(wireFreeAt);
        }
        try {
            delivery.schedule(() -> deliver(index, offset, data, ack), link.latency().toNanos(), TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) {
            ack.completeExceptionally(new TransportException("transport closed", e));
        }
    }

    private void deliver(int index, int offset, ByteBuffer data, CompletableFuture<Void> ack) {
        if (broken || (link.failAfterChunks() >= 0 && delivered.get() >= link.failAfterChunks())) {
            broken = true;
            ack.completeExceptionally(new TransportException("link down"));
            return;
        }
        try {
            int n = data.remaining();
            if (offset < 0) {
                receiver.receive(index, data);
            } else {
                receiver.receiveRange(index, offset, data);
            }
            delivered.incrementAndGet();
            bytesDelivered.addAndGet(n);
            ack.complete(null);
        } catch (IOException | RuntimeException e) {
            ack.completeExceptionally(e instanceof TransportException ? e : new TransportException("receive failed", e));
        }
    }

    private static void sleepUntil(long deadline) {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public CompletableFuture<Void> flush() {
        return call(() -> {
            receiver.flush();
            return null;
        });
    }

    @Override
    public CompletableFuture<DigestTree> digestTree() {
        return call(receiver::digestTree);
    }

    private interface Call<T> {
        T run() throws IOException;
    }

    /** Control calls queue behind the chunks already sent, as on one ordered connection. */
    private <T> CompletableFuture<T> call(Call<T> c) {
        CompletableFuture<T> out = new CompletableFuture<>();
        if (broken) {
            return CompletableFuture.failedFuture(new TransportException("link down"));
        }
        try {
            wire.execute(() -> delivery.schedule(() -> {
                if (broken) {
                    out.completeExceptionally(new TransportException("link down"));
                    return;
                }
                try {
                    out.complete(c.run());
                } catch (IOException | RuntimeException e) {
                    out.completeExceptionally(e instanceof TransportException ? e
                            : new TransportException("destination failed", e));
                }
            }, link.latency().toNanos(), TimeUnit.NANOSECONDS));
        } catch (RuntimeException e) {
            out.completeExceptionally(new TransportException("transport closed", e));
        }
        return out;
    }

    @Override
    public void close() {
        broken = true;
        wire.shutdownNow();
        delivery.shutdownNow();
    }
}
