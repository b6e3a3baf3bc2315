package org.attestedmigration.migrationcore.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.replication.ChunkReceiver;
import org.attestedmigration.securechannel.mux.CloseReason;
import org.attestedmigration.securechannel.mux.MuxStream;
import org.attestedmigration.securechannel.mux.StreamReader;

/**
 * The destination's end of {@link StreamChunkTransport}: applies the requests read from the
 * stream to the {@link ChunkReceiver} (the destination disk and its journal), and answers each
 * one, in order.
 *
 * <p>The stream's event loop only cuts messages out of the frames (no copy) and queues them; one
 * worker thread writes them to the disk from those buffers and replies. Up to
 * {@link #READ_AHEAD} bytes are credited back to the source before the worker processed them, so
 * the link keeps moving while the disk writes.
 *
 * <p>FLUSH (an fsync and a journal write) and DIGEST (reading the image back) run on a second
 * thread, so the disk writes behind them do not wait; both cover every chunk written before they
 * were read off the stream, which includes every chunk the source had an acknowledgement for when
 * it sent them. Their replies may overtake later ones; the source matches replies by id. Every
 * {@link #BACKGROUND_FLUSH} bytes written, the service also flushes on its own, so that the flush
 * inside the source's paused switchover finds little left to write back.
 *
 * <p>A malformed request or a receiver error answers ERROR; a message cut short, one too long to
 * be legitimate, or a broken stream stops the service (resetting the stream) and leaves the disk
 * and journal as the last acknowledged state.
 */
public final class ChunkService implements StreamReader {
    private static final Logger LOG = Logger.getLogger(ChunkService.class.getName());
    static final long READ_AHEAD = 32L << 20;
    static final long BACKGROUND_FLUSH = 256L << 20;

    /** The source half-closed after its last request. */
    private static final Object END = new Object();

    /** The stream broke or carried garbage: stop. */
    private record Stop(String reason) {
    }

    private final ChunkReceiver receiver;
    private final MuxStream stream;
    private final ByteBufAllocator alloc;
    private final ChunkMessageDecoder decoder;
    private final ReadAheadCredit credit;
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    /** Flushes and digests, in order, beside the writes. */
    private final ExecutorService side;
    /** Worker state: bytes written since the last flush was started. */
    private long unflushed;
    /** Event-loop state: set once the stream's input is over. */
    private boolean ended;

    private ChunkService(ChunkReceiver receiver, MuxStream stream) {
        this.receiver = receiver;
        this.stream = stream;
        this.alloc = stream.session().channel().alloc();
        this.decoder = new ChunkMessageDecoder(alloc);
        this.credit = new ReadAheadCredit(READ_AHEAD, stream::consumed);
        this.side = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "chunk-service-flush-" + stream.id());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Serves the stream until the source closes it.
     *
     * @return the worker thread; it ends after the last request was answered or the stream failed
     */
    public static Thread serve(ChunkReceiver receiver, MuxStream stream) {
        ChunkService service = new ChunkService(receiver, stream);
        Thread t = new Thread(service::work, "chunk-service-" + stream.id());
        t.setDaemon(true);
        t.start();
        stream.setReader(service);
        return t;
    }

    @Override
    public void onData(MuxStream s, ByteBuf data, boolean endOfMessage) {
        if (ended) {
            int n = data.readableBytes();
            data.release();
            s.consumed(n);
            return;
        }
        credit.arrived(data.readableBytes());
        try {
            decoder.feed(data, queue::add);
        } catch (IOException | RuntimeException e) {
            stop(e.getMessage());
        }
    }

    @Override
    public void onEndOfStream(MuxStream s, Map<String, String> trailers) {
        if (ended) {
            return;
        }
        if (decoder.inMessage()) {
            stop("replication stream ended inside a message");
        } else {
            ended = true;
            queue.add(END);
        }
    }

    @Override
    public void onClosed(MuxStream s, CloseReason reason) {
        if (!ended) {
            stop(reason.toString());
        }
    }

    private void stop(String reason) {
        ended = true;
        decoder.release();
        queue.add(new Stop(reason));
    }

    private void work() {
        try {
            while (true) {
                Object next = queue.take();
                if (next == END) {
                    // The last flush or digest answers before the stream closes.
                    side.submit(() -> { }).get();
                    stream.closeWrite();
                    return;
                }
                if (next instanceof Stop stop) {
                    // The migration's coordinator reports the failure; here it is only context.
                    LOG.log(Level.INFO, "replication stream from the source ended: " + stop.reason());
                    stream.reset("replication service stopped: " + stop.reason());
                    return;
                }
                answer((ChunkMessageDecoder.Message) next);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException("an empty task failed", e);
        } finally {
            side.shutdown();
            for (Object o; (o = queue.poll()) != null; ) {
                if (o instanceof ChunkMessageDecoder.Message m) {
                    m.payload().release();
                }
            }
        }
    }

    private void answer(ChunkMessageDecoder.Message m) {
        int wire = m.wireBytes();
        if (m.type() == ChunkWire.FLUSH || m.type() == ChunkWire.DIGEST) {
            m.payload().release();
            unflushed = 0;
            side.execute(() -> reply(m.id(), () -> m.type() == ChunkWire.FLUSH ? flush() : receiver.digestTree().encode()));
        } else {
            try {
                reply(m.id(), () -> write(m.type(), m.payload()));
            } finally {
                m.payload().release();
            }
            if (unflushed >= BACKGROUND_FLUSH) {
                unflushed = 0;
                side.execute(this::flushQuietly);
            }
        }
        credit.processed(wire);
    }

    private interface Request {
        byte[] run() throws IOException;
    }

    /** Runs a request and answers it: OK with its result, or ERROR with the reason. */
    private void reply(int id, Request request) {
        int type = ChunkWire.OK;
        byte[] result;
        try {
            result = request.run();
        } catch (IOException | RuntimeException e) {
            type = ChunkWire.ERROR;
            result = String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8);
        }
        stream.write(ChunkWire.message(alloc, type, id, result));
    }

    private byte[] flush() throws IOException {
        receiver.flush();
        return new byte[0];
    }

    private void flushQuietly() {
        try {
            receiver.flush();
        } catch (IOException e) {
            // The source's own next FLUSH reports it; this one only saves the pause some work.
            LOG.log(Level.WARNING, "background flush of the incoming disk failed: " + e.getMessage());
        }
    }

    private byte[] write(int type, ByteBuf p) throws IOException {
        switch (type) {
            case ChunkWire.OPEN -> {
                need(p, 12, "OPEN");
                return receiver.open(new ChunkLayout(p.readLong(), p.readInt())).toByteArray();
            }
            case ChunkWire.CHUNK -> {
                need(p, 4, "CHUNK");
                int index = p.readInt();
                unflushed += p.readableBytes();
                receiver.receive(index, p.nioBuffers());
                return new byte[0];
            }
            case ChunkWire.RANGE -> {
                need(p, 8, "RANGE");
                int index = p.readInt();
                int offset = p.readInt();
                unflushed += p.readableBytes();
                receiver.receiveRange(index, offset, p.nioBuffers());
                return new byte[0];
            }
            case ChunkWire.ZERO -> {
                need(p, 4, "ZERO");
                int index = p.readInt();
                if (p.isReadable()) {
                    throw new IOException("ZERO carries only a chunk index, got " + p.readableBytes() + " more bytes");
                }
                receiver.receiveZeroes(index);
                return new byte[0];
            }
            default -> throw new IOException("unknown replication request type " + type);
        }
    }

    private static void need(ByteBuf p, int bytes, String what) throws IOException {
        if (p.readableBytes() < bytes) {
            throw new IOException(what + " needs at least " + bytes + " bytes, got " + p.readableBytes());
        }
    }
}
