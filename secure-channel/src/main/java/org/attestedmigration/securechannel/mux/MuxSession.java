package org.attestedmigration.securechannel.mux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * Carries many {@link MuxStream}s over one established Netty {@link Channel} (after the attested TLS
 * handshake, or any transport in tests). Install it with {@link #install}; it appends a frame decoder and
 * itself to the pipeline and sends HELLO.
 *
 * <p>All state is confined to the channel's event loop, so no locks are needed; public methods may be called
 * from any thread. Protocol violations by the peer end in a RESET (stream-level) or a GOAWAY and close
 * (connection-level), never in an exception reaching Netty's tail handler.
 */
public final class MuxSession {

    private final Channel channel;
    private final MuxConfig config;
    private final StreamAcceptor acceptor;
    private final EventLoop loop;
    private final OutboundScheduler scheduler;
    private final StreamTable streams;
    private final CompletableFuture<CloseReason> closeFuture = new CompletableFuture<>();
    private final Map<Long, CompletableFuture<Long>> pings = new HashMap<>();
    private final Map<Long, Long> pingStarts = new HashMap<>();

    private ChannelHandlerContext ctx;
    private boolean helloReceived;
    /** The stream receiving the DATA frame in progress; null between frames and while one is discarded. */
    private MuxStream dataTarget;
    private int connRecvWindow;
    private int connUnconsumed;
    private boolean inRead;
    private boolean needsFlush;
    private boolean truncated;
    private volatile boolean open = true;
    private long nextPing = 1;

    private MuxSession(Channel channel, MuxRole role, MuxConfig config, StreamAcceptor acceptor) {
        this.channel = channel;
        this.config = config;
        this.acceptor = acceptor;
        this.loop = channel.eventLoop();
        this.scheduler = new OutboundScheduler(channel);
        this.streams = new StreamTable(role);
        this.connRecvWindow = config.connectionWindow();
    }

    /**
     * Installs a session at the end of the channel's pipeline and sends HELLO (at once, or when the channel
     * becomes active). Call it on the channel's event loop before the peer's first bytes can be read, e.g.
     * in a {@code ChannelInitializer} or in the handler that sees the TLS handshake complete; bytes read
     * before installation would be lost. Sets the channel's write buffer water marks from the config.
     *
     * @param acceptor decides about streams the peer opens ({@link StreamAcceptor#rejectAll()} for none)
     */
    public static MuxSession install(Channel channel, MuxRole role, MuxConfig config, StreamAcceptor acceptor) {
        Objects.requireNonNull(channel, "channel");
        MuxSession session = new MuxSession(channel, role, Objects.requireNonNull(config, "config"),
                Objects.requireNonNull(acceptor, "acceptor"));
        channel.config().setOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(config.writeBufferLowWaterMark(), config.writeBufferHighWaterMark()));
        channel.pipeline().addLast("mux-frame-decoder", new FrameDecoder(config.maxFramePayload()));
        channel.pipeline().addLast("mux-session", session.new Handler());
        return session;
    }

    /**
     * Opens a stream. Completes when the peer accepts; fails with {@link MuxException} when it refuses
     * (the reason carries its code and message) or the session ends first.
     *
     * @param metadata small string map for the peer's acceptor (e.g. {@code host}, {@code port}, {@code command})
     */
    public CompletableFuture<MuxStream> open(StreamKind kind, Map<String, String> metadata) {
        CompletableFuture<MuxStream> result = new CompletableFuture<>();
        Map<String, String> meta = Map.copyOf(metadata);
        if (FrameCodec.metadataSize(meta) + 6 > FrameFormat.MIN_MAX_FRAME_PAYLOAD) {
            result.completeExceptionally(new IllegalArgumentException("OPEN metadata too large"));
            return result;
        }
        runOnLoop(() -> doOpen(kind, meta, result), () -> result.completeExceptionally(closedException()));
        return result;
    }

    /** Round-trip time of a PING in nanoseconds. */
    public CompletableFuture<Long> ping() {
        CompletableFuture<Long> rtt = new CompletableFuture<>();
        runOnLoop(() -> {
            long opaque = nextPing++;
            pings.put(opaque, rtt);
            pingStarts.put(opaque, System.nanoTime());
            writeControl(FrameCodec.ping(alloc(), false, opaque));
        }, () -> rtt.completeExceptionally(closedException()));
        return rtt;
    }

    /** Ends the session gracefully: GOAWAY(NO_ERROR), then close; open streams end with the reason. */
    public void close(String reason) {
        runOnLoop(() -> goAway(ErrorCode.NO_ERROR, reason), () -> { });
    }

    /** Completes when the session ends, with the reason (GOAWAY code and message, or the local error). */
    public CompletableFuture<CloseReason> closeFuture() {
        return closeFuture;
    }

    public Channel channel() {
        return channel;
    }

    public MuxConfig config() {
        return config;
    }

    public boolean isOpen() {
        return open;
    }

    // ---- internals shared with MuxStream and friends ----

    OutboundScheduler scheduler() {
        return scheduler;
    }

    ByteBufAllocator alloc() {
        return channel.alloc();
    }

    EventLoop eventLoop() {
        return loop;
    }

    /** Runs {@code task} on the event loop, or {@code ifClosed} when the session is gone. */
    void runOnLoop(Runnable task, Runnable ifClosed) {
        Runnable guarded = () -> {
            if (open) {
                task.run();
            } else {
                ifClosed.run();
            }
        };
        if (loop.inEventLoop()) {
            guarded.run();
            return;
        }
        try {
            loop.execute(guarded);
        } catch (RejectedExecutionException e) {
            ifClosed.run();
        }
    }

    /** Writes part of a scheduled frame; the scheduler flushes at the end of its pass. */
    void writeFrame(ByteBuf buf) {
        ctx.write(buf, ctx.voidPromise());
    }

    /** Writes a frame outside the scheduler; flushed at the end of the current read batch or at once. */
    void writeControl(ByteBuf buf) {
        ctx.write(buf, ctx.voidPromise());
        if (inRead) {
            needsFlush = true;
        } else {
            ctx.flush();
        }
    }

    /**
     * Writes an answer the peer provoked (PONG, RESET for a closed stream). Dropped while the write buffer is
     * full, so a peer that floods requests without reading cannot grow this side's memory.
     */
    private void writeReply(ByteBuf buf) {
        if (channel.isWritable()) {
            writeControl(buf);
        } else {
            buf.release();
        }
    }

    void creditConnection(int n) {
        connUnconsumed += n;
        if (connUnconsumed >= config.connectionWindow() / 4 && open) {
            connRecvWindow += connUnconsumed;
            writeControl(FrameCodec.windowUpdate(alloc(), 0, connUnconsumed));
            connUnconsumed = 0;
        }
    }

    void acceptStream(MuxStream s) {
        runOnLoop(() -> {
            if (s.isClosed() || s.isAccepted()) {
                return;
            }
            s.initWindows(config.initialStreamWindow());
            writeControl(FrameCodec.accept(alloc(), s.id(), config.initialStreamWindow()));
            s.markAccepted(s.sendWindowFromOpen);
        }, () -> { });
    }

    /** Resets locally: tells the peer, ends the stream. */
    void resetStream(MuxStream s, ErrorCode code, String reason) {
        if (s.isClosed()) {
            return;
        }
        writeControl(FrameCodec.reset(alloc(), s.id(), code, reason));
        endStream(s, CloseReason.local(code, reason));
    }

    void maybeComplete(MuxStream s) {
        if (!s.isClosed() && s.bothDirectionsDone()) {
            endStream(s, CloseReason.local(ErrorCode.NO_ERROR, "closed"));
        }
    }

    private void endStream(MuxStream s, CloseReason reason) {
        CompletableFuture<MuxStream> pendingOpen = streams.remove(s);
        s.terminate(reason);
        if (pendingOpen != null) {
            pendingOpen.completeExceptionally(new MuxException(reason));
        }
    }

    private void doOpen(StreamKind kind, Map<String, String> meta, CompletableFuture<MuxStream> result) {
        int id = streams.allocateLocalId();
        if (id < 0) {
            result.completeExceptionally(new IllegalStateException("stream ids exhausted"));
            return;
        }
        MuxStream s = new MuxStream(this, id, kind, meta, true);
        s.initWindows(config.initialStreamWindow());
        streams.addLocal(s, result);
        writeControl(FrameCodec.open(alloc(), id, kind, config.initialStreamWindow(), meta));
    }

    private MuxException closedException() {
        return new MuxException(closeFuture.getNow(CloseReason.local(ErrorCode.CONNECTION_CLOSED, "session closed")));
    }

    /** Connection-level end: GOAWAY when the peer can still hear it, then close; all streams fail. */
    private void goAway(ErrorCode code, String reason) {
        if (!open) {
            return;
        }
        if (channel.isActive()) {
            ctx.writeAndFlush(FrameCodec.goAway(alloc(), streams.highestPeerId(), code, reason))
                    .addListener(ChannelFutureListener.CLOSE);
        }
        shutdown(CloseReason.local(code, reason));
    }

    private void shutdown(CloseReason reason) {
        if (!open) {
            return;
        }
        open = false;
        scheduler.clear();
        CloseReason forStreams = new CloseReason(reason.code() == ErrorCode.NO_ERROR ? ErrorCode.CONNECTION_CLOSED
                : reason.code(), "session ended: " + reason, reason.byPeer(), Map.of());
        for (MuxStream s : streams.snapshot()) {
            endStream(s, forStreams);
        }
        for (CompletableFuture<Long> p : pings.values()) {
            p.completeExceptionally(new MuxException(reason));
        }
        pings.clear();
        closeFuture.complete(reason);
    }

    private void onFrame(Frame f) throws MuxProtocolException {
        if (!helloReceived && f.type() != FrameType.HELLO) {
            throw MuxProtocolException.connection(ErrorCode.PROTOCOL_ERROR, "first frame was " + f.type() + ", not HELLO");
        }
        switch (f.type()) {
            case HELLO -> onHello(f.payload());
            case OPEN -> onOpen(f.streamId(), f.payload());
            case ACCEPT -> onAccept(f.streamId(), f.payload().readInt());
            case WINDOW_UPDATE -> onWindowUpdate(f.streamId(), f.payload().readInt());
            case CLOSE -> onClose(f.streamId(), FrameCodec.readMetadata(f.payload()));
            case RESET -> onReset(f.streamId(), f.payload());
            case PING -> onPing(f);
            case GOAWAY -> onGoAway(f.payload());
        }
    }

    private void onHello(ByteBuf p) throws MuxProtocolException {
        if (helloReceived) {
            throw MuxProtocolException.connection(ErrorCode.PROTOCOL_ERROR, "second HELLO");
        }
        helloReceived = true;
        int version = p.readUnsignedShort();
        p.skipBytes(2);
        long maxPayload = p.readUnsignedInt();
        long window = p.readUnsignedInt();
        if (version != FrameFormat.VERSION) {
            throw MuxProtocolException.connection(ErrorCode.PROTOCOL_ERROR, "unsupported protocol version " + version);
        }
        if (maxPayload < FrameFormat.MIN_MAX_FRAME_PAYLOAD || maxPayload > FrameFormat.MAX_MAX_FRAME_PAYLOAD
                || window > FrameFormat.MAX_WINDOW) {
            throw MuxProtocolException.connection(ErrorCode.PROTOCOL_ERROR, "HELLO settings out of range");
        }
        scheduler.peerSettings((int) maxPayload, (int) window);
    }

    private void onOpen(int id, ByteBuf p) throws MuxProtocolException {
        streams.claimPeerId(id);
        StreamKind kind = StreamKind.fromCode(p.readUnsignedByte());
        p.skipBytes(1);
        long window = p.readUnsignedInt();
        Map<String, String> meta = FrameCodec.readMetadata(p);
        if (window > FrameFormat.MAX_WINDOW) {
            throw MuxProtocolException.connection(ErrorCode.FLOW_CONTROL_ERROR, "initial window too large");
        }
        if (kind == null) {
            writeControl(FrameCodec.reset(alloc(), id, ErrorCode.REFUSED, "unknown stream kind"));
            return;
        }
        if (streams.inboundCount() >= config.maxInboundStreams()) {
            writeControl(FrameCodec.reset(alloc(), id, ErrorCode.REFUSED, "too many streams"));
            return;
        }
        MuxStream s = new MuxStream(this, id, kind, meta, false);
        s.sendWindowFromOpen = (int) window;
        streams.addInbound(s);
        try {
            acceptor.onOpen(new IncomingStream(s));
        } catch (RuntimeException e) {
            resetStream(s, ErrorCode.INTERNAL_ERROR, "acceptor failed: " + e.getMessage());
        }
    }

    private void onAccept(int id, int window) throws MuxProtocolException {
        MuxStream s = streams.get(id);
        if (s == null) {
            if (!streams.wasUsed(id) || streams.isPeerId(id)) {
                throw MuxProtocolException.connection(ErrorCode.PROTOCOL_ERROR, "ACCEPT for unknown stream " + id);
            }
            return; // we reset it before the ACCEPT arrived
        }
        if (!s.isLocallyInitiated() || s.isAccepted()) {
            throw MuxProtocolException.connection(ErrorCode.PROTOCOL_ERROR, "unexpected ACCEPT for stream " + id);
        }
        if (window < 0) {
            throw MuxProtocolException.connection(ErrorCode.FLOW_CONTROL_ERROR, "initial window too large");
        }
        s.markAccepted(window);
        CompletableFuture<MuxStream> f = streams.takeOpening(id);
        if (f != null) {
            f.complete(s);
        }
    }

    /**
     * One piece of a DATA frame. The first piece checks the frame against the windows and the stream's
     * state, for its whole length; the others follow that decision (deliver, or drop and credit back).
     */
    private void onData(DataSlice d) throws MuxProtocolException {
        if (d.first()) {
            try {
                dataTarget = admitData(d.streamId(), d.frameLength());
            } catch (MuxProtocolException e) {
                d.data().release();
                throw e;
            }
        }
        MuxStream s = dataTarget;
        if (d.last()) {
            dataTarget = null;
        }
        if (s == null) {
            int n = d.data().readableBytes();
            d.data().release();
            creditConnection(n); // discarded bytes must not shrink the connection window for good
            return;
        }
        s.onData(d.data(), d.endOfMessage());
    }

    /** The stream a DATA frame of {@code n} bytes goes to, or null when it is discarded (after a RESET). */
    private MuxStream admitData(int id, int n) throws MuxProtocolException {
        if (!helloReceived) {
            throw MuxProtocolException.connection(ErrorCode.PROTOCOL_ERROR, "first frame was DATA, not HELLO");
        }
        connRecvWindow -= n;
        if (connRecvWindow < 0) {
            throw MuxProtocolException.connection(ErrorCode.FLOW_CONTROL_ERROR, "DATA beyond the connection window");
        }
        MuxStream s = streams.get(id);
        String problem = null;
        ErrorCode code = ErrorCode.STREAM_CLOSED;
        if (s == null) {
            if (!streams.wasUsed(id)) {
                throw MuxProtocolException.connection(ErrorCode.PROTOCOL_ERROR, "DATA for never-opened stream " + id);
            }
            problem = "DATA for closed stream " + id;
        } else if (s.finReceived()) {
            problem = "DATA after CLOSE on stream " + id;
        } else if (n > s.recvWindow()) {
            code = ErrorCode.FLOW_CONTROL_ERROR;
            problem = "DATA beyond the window of stream " + id;
        }
        if (problem == null) {
            s.reserveReceive(n);
            return s;
        }
        if (s != null) {
            resetStream(s, code, problem);
        } else {
            writeReply(FrameCodec.reset(alloc(), id, code, problem));
        }
        return null;
    }

    private void onWindowUpdate(int id, int increment) throws MuxProtocolException {
        if (increment <= 0) {
            throw MuxProtocolException.connection(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE increment must be 1..2^31-1");
        }
        if (id == 0) {
            scheduler.onConnectionWindowUpdate(increment);
            return;
        }
        MuxStream s = knownStream(id, FrameType.WINDOW_UPDATE);
        if (s != null) {
            try {
                s.onWindowUpdate(increment);
            } catch (MuxProtocolException e) {
                resetStream(s, e.code(), e.getMessage());
            }
        }
    }

    private void onClose(int id, Map<String, String> trailers) throws MuxProtocolException {
        MuxStream s = knownStream(id, FrameType.CLOSE);
        if (s == null) {
            return;
        }
        if (s.finReceived()) {
            resetStream(s, ErrorCode.STREAM_CLOSED, "second CLOSE on stream " + id);
            return;
        }
        s.onFin(trailers);
    }

    private void onReset(int id, ByteBuf p) throws MuxProtocolException {
        ErrorCode code = ErrorCode.fromCode(p.readUnsignedInt());
        String reason = FrameCodec.readReason(p);
        MuxStream s = knownStream(id, FrameType.RESET);
        if (s != null) {
            endStream(s, CloseReason.remote(code, reason)); // never answer a RESET with a RESET
        }
    }

    private void onPing(Frame f) {
        long opaque = f.payload().readLong();
        if (f.hasFlag(FrameFormat.FLAG_ACK)) {
            CompletableFuture<Long> p = pings.remove(opaque);
            Long start = pingStarts.remove(opaque);
            if (p != null && start != null) {
                p.complete(System.nanoTime() - start);
            }
        } else {
            writeReply(FrameCodec.ping(alloc(), true, opaque));
        }
    }

    private void onGoAway(ByteBuf p) {
        p.skipBytes(4);
        ErrorCode code = ErrorCode.fromCode(p.readUnsignedInt());
        String reason = FrameCodec.readReason(p);
        shutdown(CloseReason.remote(code, reason));
        channel.close();
    }

    /** A stream for a non-DATA frame; null (frame ignored) for a closed one, error for a never-opened one. */
    private MuxStream knownStream(int id, FrameType type) throws MuxProtocolException {
        MuxStream s = streams.get(id);
        if (s == null && !streams.wasUsed(id)) {
            throw MuxProtocolException.connection(ErrorCode.PROTOCOL_ERROR, type + " for never-opened stream " + id);
        }
        return s;
    }

    /** The pipeline side of the session; kept separate so the public type exposes no handler methods. */
    private final class Handler extends ChannelInboundHandlerAdapter {

        private boolean helloSent;

        @Override
        public void handlerAdded(ChannelHandlerContext context) {
            ctx = context;
            if (context.channel().isActive()) {
                sendHello();
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext context) {
            sendHello();
            context.fireChannelActive();
        }

        private void sendHello() {
            if (!helloSent) {
                helloSent = true;
                ctx.writeAndFlush(FrameCodec.hello(alloc(), config.maxFramePayload(), config.connectionWindow()));
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object msg) {
            if (msg == FrameDecoder.TRUNCATED) {
                truncated = true;
                return;
            }
            if (msg instanceof DataSlice d) {
                onDataSlice(d);
                return;
            }
            if (!(msg instanceof Frame f)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (!open) {
                f.release();
                return;
            }
            inRead = true;
            try {
                onFrame(f);
                f.release();
            } catch (MuxProtocolException e) {
                f.release();
                goAway(e.code(), e.getMessage());
            } catch (RuntimeException e) {
                ReferenceCountUtil.safeRelease(f.payload());
                goAway(ErrorCode.INTERNAL_ERROR, "internal error: " + e);
            }
        }

        /** The session owns {@code d.data()} from here: delivered, or released here or in {@link #onData}. */
        private void onDataSlice(DataSlice d) {
            if (!open) {
                d.data().release();
                return;
            }
            inRead = true;
            try {
                onData(d);
            } catch (MuxProtocolException e) {
                goAway(e.code(), e.getMessage());
            } catch (RuntimeException e) {
                goAway(ErrorCode.INTERNAL_ERROR, "internal error: " + e);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext context) {
            inRead = false;
            if (needsFlush) {
                needsFlush = false;
                context.flush();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext context) {
            if (context.channel().isWritable()) {
                scheduler.run();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext context) {
            shutdown(truncated
                    ? CloseReason.local(ErrorCode.PROTOCOL_ERROR, "connection closed in the middle of a frame")
                    : CloseReason.local(ErrorCode.CONNECTION_CLOSED, "connection closed"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
            if (c instanceof MuxProtocolException e) {
                goAway(e.code(), e.getMessage());
            } else if (c instanceof IOException) {
                shutdown(CloseReason.local(ErrorCode.CONNECTION_CLOSED, "I/O error: " + c.getMessage()));
                context.close();
            } else {
                goAway(ErrorCode.INTERNAL_ERROR, "internal error: " + c);
            }
        }
    }
}
