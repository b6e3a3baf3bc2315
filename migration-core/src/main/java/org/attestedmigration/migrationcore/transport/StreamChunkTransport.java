package org.attestedmigration.migrationcore.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.DigestTree;
import org.attestedmigration.migrationcore.replication.ChunkPayload;
import org.attestedmigration.migrationcore.replication.ChunkTransport;
import org.attestedmigration.migrationcore.replication.TransportException;
import org.attestedmigration.securechannel.mux.CloseReason;
import org.attestedmigration.securechannel.mux.MuxStream;
import org.attestedmigration.securechannel.mux.StreamReader;

/**
 * The source's {@link ChunkTransport} over one BYTES stream of an attested session.
 *
 * <p>Each request is one buffer handed to the stream, so requests from several threads never
 * interleave, and the caller never waits for the link: a chunk is read from the image straight
 * into a pooled direct buffer that the stream frames and encrypts from (one copy on this side).
 * What bounds the buffers queued in the stream is the sender's own window of unacknowledged
 * transfers. Replies are decoded on the stream's event loop; the futures complete on a thread of
 * their own so that a callback (an NBD reply, the next send) never stalls reading replies.
 */
public final class StreamChunkTransport implements ChunkTransport {
    private static final byte[] NONE = new byte[0];

    private final MuxStream stream;
    private final ByteBufAllocator alloc;
    private final Map<Integer, Pending<?>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final java.util.concurrent.atomic.LongAdder payloadBytes = new java.util.concurrent.atomic.LongAdder();
    private final ExecutorService completions;
    private volatile TransportException failure;

    private record Pending<T>(CompletableFuture<T> future, Function<byte[], T> decode) {
        void complete(byte[] payload) {
            future.complete(decode.apply(payload));
        }
    }

    public StreamChunkTransport(MuxStream stream) {
        this.stream = stream;
        this.alloc = stream.session().channel().alloc();
        this.completions = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "chunk-transport-completions");
            t.setDaemon(true);
            return t;
        });
        stream.setReader(new Replies());
    }

    @Override
    public CompletableFuture<BitSet> open(ChunkLayout layout) {
        byte[] head = ByteBuffer.allocate(12).putLong(layout.imageSize()).putInt(layout.chunkSize()).array();
        return request(ChunkWire.OPEN, head, null, BitSet::valueOf);
    }

    @Override
    public CompletableFuture<Void> sendChunk(int index, ChunkPayload data) {
        return request(ChunkWire.CHUNK, ByteBuffer.allocate(4).putInt(index).array(), data, p -> null);
    }

    @Override
    public CompletableFuture<Void> sendRange(int index, int offset, ChunkPayload data) {
        return request(ChunkWire.RANGE, ByteBuffer.allocate(8).putInt(index).putInt(offset).array(), data, p -> null);
    }

    @Override
    public CompletableFuture<Void> flush() {
        return request(ChunkWire.FLUSH, NONE, null, p -> null);
    }

    @Override
    public CompletableFuture<DigestTree> digestTree() {
        return request(ChunkWire.DIGEST, NONE, null, DigestTree::decode);
    }

    /** Chunk and range bytes put on the stream so far: zero chunks count nothing. */
    public long payloadBytesSent() {
        return payloadBytes.sum();
    }

    private <T> CompletableFuture<T> request(int type, byte[] head, ChunkPayload body, Function<byte[], T> decode) {
        TransportException failed = failure;
        if (failed != null) {
            return CompletableFuture.failedFuture(failed);
        }
        int id = ids.incrementAndGet();
        int bodyLength = body == null ? 0 : body.length();
        ByteBuf buf = ChunkWire.start(alloc, type, id, head.length + bodyLength).writeBytes(head);
        if (body != null) {
            try {
                int at = buf.writerIndex();
                body.readInto(buf.nioBuffer(at, bodyLength));
                if (type == ChunkWire.CHUNK && ZeroBytes.all(buf.nioBuffer(at, bodyLength))) {
                    // Unwritten parts of a disk are zeros: say so in four bytes instead of sending the chunk.
                    ChunkWire.chunkToZero(buf, head.length);
                    bodyLength = 0;
                }
                buf.writerIndex(at + bodyLength);
                payloadBytes.add(bodyLength);
            } catch (IOException | RuntimeException e) {
                buf.release();
                return CompletableFuture.failedFuture(new TransportException("reading the source image failed: " + e.getMessage(), e));
            }
        }
        CompletableFuture<T> future = new CompletableFuture<>();
        pending.put(id, new Pending<>(future, decode));
        stream.write(buf).whenComplete((v, e) -> {
            if (e != null) {
                fail(new TransportException("the replication stream failed: " + e.getMessage(), e));
            }
        });
        if (failure != null) {
            // Failed while this request was being registered: make sure it is not left waiting.
            fail(failure);
        }
        return future;
    }

    /** Runs on the stream's event loop: matches replies to requests, never blocks. */
    private final class Replies implements StreamReader {
        private final ChunkMessageDecoder decoder = new ChunkMessageDecoder(alloc);

        @Override
        public void onData(MuxStream s, ByteBuf data, boolean endOfMessage) {
            int n = data.readableBytes();
            try {
                decoder.feed(data, this::reply);
            } catch (IOException | RuntimeException e) {
                decoder.release();
                fail(new TransportException("malformed reply stream: " + e.getMessage(), e));
                s.reset("malformed replication replies");
            }
            // Replies are tiny and bounded by the requests in flight: read them as they come.
            s.consumed(n);
        }

        private void reply(ChunkMessageDecoder.Message m) {
            byte[] payload = ByteBufUtil.getBytes(m.payload());
            m.payload().release();
            Pending<?> p = pending.remove(m.id());
            if (p == null) {
                throw new IllegalStateException("reply to unknown request " + m.id());
            }
            complete(() -> {
                if (m.type() == ChunkWire.OK) {
                    try {
                        p.complete(payload);
                    } catch (RuntimeException e) {
                        p.future().completeExceptionally(new TransportException("malformed reply: " + e.getMessage(), e));
                    }
                } else {
                    p.future().completeExceptionally(new TransportException("the destination refused: "
                            + new String(payload, StandardCharsets.UTF_8)));
                }
            });
        }

        @Override
        public void onEndOfStream(MuxStream s, Map<String, String> trailers) {
            decoder.release();
            fail(new TransportException("the destination closed the replication stream"));
        }

        @Override
        public void onClosed(MuxStream s, CloseReason reason) {
            decoder.release();
            fail(new TransportException("the replication stream failed: " + reason));
        }
    }

    private void fail(TransportException e) {
        if (failure == null) {
            failure = e;
        }
        for (Integer id : pending.keySet()) {
            Pending<?> p = pending.remove(id);
            if (p != null) {
                complete(() -> p.future().completeExceptionally(e));
            }
        }
    }

    private void complete(Runnable r) {
        try {
            completions.execute(r);
        } catch (RejectedExecutionException closed) {
            // After close() nobody sends anymore, so completing inline cannot stall the replies.
            r.run();
        }
    }

    /** Half-closes the stream when all went well (the destination sees a clean end), resets it otherwise. */
    @Override
    public void close() {
        boolean clean = failure == null && pending.isEmpty();
        fail(new TransportException("transport closed"));
        if (clean) {
            try {
                stream.closeWrite().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                stream.reset("replication transport closed: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stream.reset("replication transport closed: interrupted");
            }
        } else {
            stream.reset("replication transport closed");
        }
        completions.shutdown();
    }
}
