package org.attestedmigration.securechannel.mux;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One logical stream inside a {@link MuxSession}. Public methods are thread-safe; state lives on the
 * session's event loop and every call hops there. Closing or resetting one stream never affects another.
 */
public final class MuxStream {

    /** One application write waiting for window; the stream owns {@code data} until it is fully framed. */
    private record PendingWrite(ByteBuf data, boolean endOfMessage, CompletableFuture<Void> done) {
    }

    private final MuxSession session;
    private final int id;
    private final StreamKind kind;
    private final Map<String, String> metadata;
    private final boolean locallyInitiated;
    private final CompletableFuture<CloseReason> closeFuture = new CompletableFuture<>();
    private final CompletableFuture<Map<String, String>> remoteTrailers = new CompletableFuture<>();

    // Event-loop state.
    private final ArrayDeque<PendingWrite> pending = new ArrayDeque<>();
    private final ArrayDeque<Object> undelivered = new ArrayDeque<>();
    private StreamReader reader;
    private int sendWindow;
    private int recvWindow;
    private int initialRecvWindow;
    private int unconsumedCredit;
    private long deliveredNotConsumed;
    private boolean accepted;
    private boolean finQueued;
    private CompletableFuture<Void> finFuture;
    private Map<String, String> finTrailers = Map.of();
    private boolean finSent;
    private boolean finReceived;
    private boolean finDelivered;
    private Map<String, String> peerTrailers = Map.of();
    private boolean closed;
    boolean scheduled;
    /** The window the peer granted in its OPEN; applied when this side accepts. */
    int sendWindowFromOpen;

    // Snapshots for other threads.
    private volatile long pendingBytes;
    private volatile long bytesSent;
    private volatile int sendWindowSnapshot;

    MuxStream(MuxSession session, int id, StreamKind kind, Map<String, String> metadata, boolean locallyInitiated) {
        this.session = session;
        this.id = id;
        this.kind = kind;
        this.metadata = Map.copyOf(metadata);
        this.locallyInitiated = locallyInitiated;
    }

    public int id() {
        return id;
    }

    public StreamKind kind() {
        return kind;
    }

    /** The metadata sent with OPEN. */
    public Map<String, String> metadata() {
        return metadata;
    }

    public boolean isLocallyInitiated() {
        return locallyInitiated;
    }

    public MuxSession session() {
        return session;
    }

    /**
     * Queues bytes for the peer and takes ownership of {@code data}. The future completes once the last byte
     * was framed within the peer's window and handed to Netty; callers that wait for it before writing more
     * never hold more than one buffer beyond the window (backpressure instead of unbounded buffering).
     */
    public CompletableFuture<Void> write(ByteBuf data) {
        return write(data, false);
    }

    /** As {@link #write(ByteBuf)}; {@code endOfMessage} marks the last frame of these bytes as ending a message. */
    public CompletableFuture<Void> write(ByteBuf data, boolean endOfMessage) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        session.runOnLoop(() -> enqueue(new PendingWrite(data, endOfMessage, done)), () -> {
            ReferenceCountUtil.safeRelease(data);
            done.completeExceptionally(new MuxException(CloseReason.local(ErrorCode.CONNECTION_CLOSED, "session closed")));
        });
        return done;
    }

    /** Half-closes: sends CLOSE after all queued data. The peer can keep sending. */
    public CompletableFuture<Void> closeWrite() {
        return closeWrite(Map.of());
    }

    /** Half-closes with trailers (e.g. an exit status) that the peer sees in {@link StreamReader#onEndOfStream}. */
    public CompletableFuture<Void> closeWrite(Map<String, String> trailers) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Map<String, String> copy = Map.copyOf(trailers);
        if (FrameCodec.metadataSize(copy) > FrameFormat.MIN_MAX_FRAME_PAYLOAD) {
            done.completeExceptionally(new IllegalArgumentException("trailers too large"));
            return done;
        }
        session.runOnLoop(() -> queueFin(copy, done),
                () -> done.completeExceptionally(new MuxException(CloseReason.local(ErrorCode.CONNECTION_CLOSED, "session closed"))));
        return done;
    }

    /** Cancels the stream in both directions with {@link ErrorCode#CANCEL}. */
    public void reset(String reason) {
        reset(ErrorCode.CANCEL, reason);
    }

    /** Cancels the stream in both directions, telling the peer the code and reason. */
    public void reset(ErrorCode code, String reason) {
        session.runOnLoop(() -> session.resetStream(this, code, reason), () -> { });
    }

    /** Installs the reader; data that arrived earlier is delivered to it first. */
    public void setReader(StreamReader newReader) {
        session.runOnLoop(() -> {
            reader = newReader;
            drainUndelivered();
        }, () -> { });
    }

    /** Tells the peer it may send {@code bytes} more: call after processing data delivered to the reader. */
    public void consumed(int bytes) {
        if (bytes > 0) {
            session.runOnLoop(() -> onConsumed(bytes), () -> { });
        }
    }

    /** Completes (never exceptionally) when the stream is finished, with the reason. */
    public CompletableFuture<CloseReason> closeFuture() {
        return closeFuture;
    }

    /**
     * Completes with the peer's CLOSE metadata when it half-closes (empty map when it sent none); fails with
     * {@link MuxException} when the stream ends without the peer's CLOSE.
     */
    public CompletableFuture<Map<String, String>> remoteTrailers() {
        return remoteTrailers;
    }

    /** Runs {@code action} when the stream is finished. */
    public void onClose(Consumer<CloseReason> action) {
        closeFuture.thenAccept(action);
    }

    /** Bytes written by the application and not yet handed to Netty. */
    public long pendingWriteBytes() {
        return pendingBytes;
    }

    /** DATA payload bytes handed to Netty so far; never exceeds what the peer granted. */
    public long bytesSent() {
        return bytesSent;
    }

    /** Credit the peer currently grants this side on this stream. */
    public int sendWindow() {
        return sendWindowSnapshot;
    }

    /** A blocking reader over this stream; installs itself as the stream's reader. */
    public InputStream inputStream() {
        return new MuxInputStream(this);
    }

    /** A blocking writer over this stream; {@code close()} half-closes. Must not be used on an event loop. */
    public OutputStream outputStream() {
        return new MuxOutputStream(this, 4L * session.config().maxFramePayload());
    }

    @Override
    public String toString() {
        return "MuxStream[" + id + " " + kind + "]";
    }

    // ---- event-loop internals used by MuxSession and OutboundScheduler ----

    void initWindows(int recv) {
        recvWindow = recv;
        initialRecvWindow = recv;
    }

    void markAccepted(int peerWindow) {
        accepted = true;
        sendWindow = peerWindow;
        sendWindowSnapshot = peerWindow;
        session.scheduler().maybeSchedule(this);
    }

    boolean isAccepted() {
        return accepted;
    }

    boolean isClosed() {
        return closed;
    }

    boolean finReceived() {
        return finReceived;
    }

    int recvWindow() {
        return recvWindow;
    }

    private void enqueue(PendingWrite w) {
        if (closed) {
            w.data.release();
            w.done.completeExceptionally(new MuxException(closeFuture.getNow(CloseReason.local(ErrorCode.STREAM_CLOSED, "closed"))));
            return;
        }
        if (finQueued) {
            w.data.release();
            w.done.completeExceptionally(new IllegalStateException("write after closeWrite on stream " + id));
            return;
        }
        pending.add(w);
        pendingBytes += w.data.readableBytes();
        session.scheduler().maybeSchedule(this);
    }

    private void queueFin(Map<String, String> trailers, CompletableFuture<Void> done) {
        if (closed || finQueued) {
            done.completeExceptionally(new IllegalStateException("stream " + id + " already closed for writing"));
            return;
        }
        finQueued = true;
        finTrailers = trailers;
        finFuture = done;
        session.scheduler().maybeSchedule(this);
    }

    /** Whether the scheduler could emit a frame now, ignoring the connection window. */
    boolean hasSendableWork() {
        if (!accepted || closed) {
            return false;
        }
        if (pending.isEmpty()) {
            return finQueued && !finSent;
        }
        return sendWindow > 0 || !pending.peek().data.isReadable();
    }

    /** True when the next frame is DATA that needs connection window. */
    boolean nextNeedsConnectionWindow() {
        return !pending.isEmpty() && pending.peek().data.isReadable();
    }

    /**
     * Emits one frame (DATA of at most {@code maxPayload} and the windows, or CLOSE when the queue is empty).
     * Returns the DATA payload size, so the caller can charge the connection window.
     */
    int emitOne(int maxPayload) {
        PendingWrite head = pending.peek();
        if (head == null) {
            finSent = true;
            session.writeFrame(FrameCodec.close(session.alloc(), id, finTrailers));
            finFuture.complete(null);
            session.maybeComplete(this);
            return 0;
        }
        int n = Math.min(Math.min(head.data.readableBytes(), maxPayload), sendWindow);
        ByteBuf slice = head.data.readRetainedSlice(n);
        boolean last = !head.data.isReadable();
        int flags = last && head.endOfMessage ? FrameFormat.FLAG_END_OF_MESSAGE : 0;
        session.writeFrame(FrameCodec.header(session.alloc(), FrameType.DATA, flags, id, n));
        if (n > 0) {
            session.writeFrame(slice);
        } else {
            slice.release();
        }
        sendWindow -= n;
        sendWindowSnapshot = sendWindow;
        pendingBytes -= n;
        bytesSent += n;
        if (last) {
            pending.poll();
            head.data.release();
            head.done.complete(null);
        }
        return n;
    }

    void onWindowUpdate(int increment) throws MuxProtocolException {
        long next = (long) sendWindow + increment;
        if (next > FrameFormat.MAX_WINDOW) {
            throw MuxProtocolException.stream(ErrorCode.FLOW_CONTROL_ERROR, id, "stream window overflow");
        }
        sendWindow = (int) next;
        sendWindowSnapshot = sendWindow;
        session.scheduler().maybeSchedule(this);
    }

    /** Takes a DATA frame of {@code n} bytes, which the session checked against the window, off the window. */
    void reserveReceive(int n) {
        recvWindow -= n;
    }

    /**
     * Delivers (or buffers) a piece of a DATA frame taken off the window by {@link #reserveReceive}. A piece
     * arriving after the stream ended mid-frame is dropped and its bytes go back to the connection window.
     */
    void onData(ByteBuf payload, boolean endOfMessage) {
        int n = payload.readableBytes();
        if (closed) {
            payload.release();
            session.creditConnection(n);
            return;
        }
        deliveredNotConsumed += n;
        if (reader == null || !undelivered.isEmpty()) {
            undelivered.add(new Chunk(payload, endOfMessage));
            return;
        }
        deliver(payload, endOfMessage);
    }

    private record Chunk(ByteBuf data, boolean endOfMessage) {
    }

    private record Fin(Map<String, String> trailers) {
    }

    void onFin(Map<String, String> trailers) {
        finReceived = true;
        peerTrailers = trailers;
        remoteTrailers.complete(trailers);
        if (reader == null || !undelivered.isEmpty()) {
            undelivered.add(new Fin(trailers));
        } else {
            deliverFin(trailers);
        }
    }

    private void deliverFin(Map<String, String> trailers) {
        finDelivered = true;
        safely(() -> reader.onEndOfStream(this, trailers));
        session.maybeComplete(this);
    }

    private void drainUndelivered() {
        while (reader != null && !undelivered.isEmpty() && !closed) {
            Object o = undelivered.poll();
            if (o instanceof Chunk c) {
                deliver(c.data, c.endOfMessage);
            } else if (o instanceof Fin f) {
                deliverFin(f.trailers);
            }
        }
        if (closed && reader != null) {
            StreamReader r = reader;
            safely(() -> r.onClosed(this, closeFuture.getNow(CloseReason.local(ErrorCode.NO_ERROR, ""))));
        }
    }

    private void deliver(ByteBuf payload, boolean endOfMessage) {
        try {
            reader.onData(this, payload, endOfMessage);
        } catch (RuntimeException e) {
            session.resetStream(this, ErrorCode.INTERNAL_ERROR, "reader failed: " + e);
        }
    }

    private void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            session.resetStream(this, ErrorCode.INTERNAL_ERROR, "reader failed: " + e);
        }
    }

    private void onConsumed(int bytes) {
        int n = (int) Math.min(bytes, deliveredNotConsumed);
        if (n <= 0 || closed) {
            return;
        }
        deliveredNotConsumed -= n;
        session.creditConnection(n);
        if (finReceived) {
            return;
        }
        unconsumedCredit += n;
        // Batch updates: one WINDOW_UPDATE per quarter window keeps the frame rate low at full speed.
        if (unconsumedCredit >= Math.max(1, initialRecvWindow / 4)) {
            recvWindow += unconsumedCredit;
            session.writeControl(FrameCodec.windowUpdate(session.alloc(), id, unconsumedCredit));
            unconsumedCredit = 0;
        }
    }

    boolean bothDirectionsDone() {
        // Waiting for delivery keeps data that arrived before the reader was set from being dropped.
        return finSent && finDelivered;
    }

    /** Ends the stream: fails queued writes, drops undelivered data, returns its connection credit, notifies. */
    void terminate(CloseReason reason) {
        if (closed) {
            return;
        }
        closed = true;
        CloseReason withTrailers = new CloseReason(reason.code(), reason.message(), reason.byPeer(),
                reason.trailers().isEmpty() ? peerTrailers : reason.trailers());
        MuxException failure = new MuxException(withTrailers);
        for (PendingWrite w; (w = pending.poll()) != null; ) {
            w.data.release();
            w.done.completeExceptionally(failure);
        }
        pendingBytes = 0;
        if (finFuture != null && !finFuture.isDone()) {
            finFuture.completeExceptionally(failure);
        }
        for (Object o; (o = undelivered.poll()) != null; ) {
            if (o instanceof Chunk c) {
                c.data.release();
            }
        }
        if (deliveredNotConsumed > 0 && session.isOpen()) {
            session.creditConnection((int) Math.min(Integer.MAX_VALUE, deliveredNotConsumed));
        }
        deliveredNotConsumed = 0;
        remoteTrailers.completeExceptionally(failure);
        closeFuture.complete(withTrailers);
        if (reader != null) {
            StreamReader r = reader;
            try {
                r.onClosed(this, withTrailers);
            } catch (RuntimeException ignored) {
                // The stream is already gone; there is nobody left to tell.
            }
        }
    }
}
