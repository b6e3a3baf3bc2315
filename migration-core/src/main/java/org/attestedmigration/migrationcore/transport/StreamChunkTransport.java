package org.attestedmigration.migrationcore.transport;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.DigestTree;
import org.attestedmigration.migrationcore.replication.ChunkTransport;
import org.attestedmigration.migrationcore.replication.TransportException;
import org.attestedmigration.securechannel.mux.MuxStream;

/**
 * The source's {@link ChunkTransport} over one BYTES stream of an attested session. Requests are
 * written in order (the stream's flow control blocks the writer when the destination falls
 * behind); a reader thread matches replies to requests. Completions run on their own thread so a
 * callback that sends the next chunk can never stop replies from being read.
 */
public final class StreamChunkTransport implements ChunkTransport {
    private final MuxStream stream;
    private final DataOutputStream out;
    private final DataInputStream in;
    private final Map<Integer, Pending<?>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final ExecutorService completions;
    private volatile IOException failure;

    private record Pending<T>(CompletableFuture<T> future, Function<byte[], T> decode) {
        void complete(byte[] payload) {
            future.complete(decode.apply(payload));
        }
    }

    public StreamChunkTransport(MuxStream stream) {
        this.stream = stream;
        this.out = new DataOutputStream(new BufferedOutputStream(stream.outputStream(), 256 * 1024));
        this.in = new DataInputStream(stream.inputStream());
        this.completions = Executors.newSingleThreadExecutor(r -> daemon(r, "chunk-transport-completions"));
        daemon(this::readReplies, "chunk-transport-reader").start();
    }

    @Override
    public CompletableFuture<BitSet> open(ChunkLayout layout) {
        byte[] head = ByteBuffer.allocate(12).putLong(layout.imageSize()).putInt(layout.chunkSize()).array();
        return request(ChunkWire.OPEN, head, new byte[0], 0, 0, BitSet::valueOf);
    }

    @Override
    public CompletableFuture<Void> sendChunk(int index, ByteBuffer data) {
        byte[] body = new byte[data.remaining()];
        data.duplicate().get(body);
        return request(ChunkWire.CHUNK, ByteBuffer.allocate(4).putInt(index).array(), body, 0, body.length, p -> null);
    }

    @Override
    public CompletableFuture<Void> flush() {
        return request(ChunkWire.FLUSH, new byte[0], new byte[0], 0, 0, p -> null);
    }

    @Override
    public CompletableFuture<DigestTree> digestTree() {
        return request(ChunkWire.DIGEST, new byte[0], new byte[0], 0, 0, DigestTree::decode);
    }

    private <T> CompletableFuture<T> request(int type, byte[] head, byte[] body, int off, int len, Function<byte[], T> decode) {
        CompletableFuture<T> future = new CompletableFuture<>();
        if (failure != null) {
            future.completeExceptionally(new TransportException("the replication stream failed: " + failure.getMessage(), failure));
            return future;
        }
        int id = ids.incrementAndGet();
        pending.put(id, new Pending<>(future, decode));
        try {
            synchronized (out) {
                ChunkWire.write(out, type, id, head, body, off, len);
                out.flush();
            }
        } catch (IOException e) {
            fail(e);
        }
        return future;
    }

    private void readReplies() {
        try {
            for (ChunkWire.Message m; (m = ChunkWire.read(in)) != null; ) {
                Pending<?> p = pending.remove(m.id());
                if (p == null) {
                    throw new IOException("reply to unknown request " + m.id());
                }
                ChunkWire.Message reply = m;
                completions.execute(() -> {
                    if (reply.type() == ChunkWire.OK) {
                        try {
                            p.complete(reply.payload());
                        } catch (RuntimeException e) {
                            p.future().completeExceptionally(new TransportException("malformed reply: " + e.getMessage(), e));
                        }
                    } else {
                        p.future().completeExceptionally(new TransportException("the destination refused: "
                                + new String(reply.payload(), StandardCharsets.UTF_8)));
                    }
                });
            }
            fail(new IOException("the destination closed the replication stream"));
        } catch (IOException e) {
            fail(e);
        }
    }

    private void fail(IOException e) {
        if (failure == null) {
            failure = e;
        }
        for (Integer id : pending.keySet()) {
            Pending<?> p = pending.remove(id);
            if (p != null) {
                completions.execute(() -> p.future().completeExceptionally(new TransportException("the replication stream failed: "
                        + e.getMessage(), e)));
            }
        }
    }

    /** Half-closes the stream when all went well (the destination sees a clean end), resets it otherwise. */
    @Override
    public void close() {
        boolean clean = failure == null && pending.isEmpty();
        fail(new IOException("transport closed"));
        if (clean) {
            try {
                synchronized (out) {
                    out.close();
                }
            } catch (IOException e) {
                stream.reset("replication transport closed: " + e.getMessage());
            }
        } else {
            stream.reset("replication transport closed");
        }
        completions.shutdown();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
