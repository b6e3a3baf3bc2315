package org.attestedmigration.securechannel.mux;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Typed JSON messages over a CONTROL stream: requests with correlated responses, and one-way events.
 * Each message is one JSON object sent as a DATA frame sequence ending with END_OF_MESSAGE:
 * {@code {"kind":"request","id":7,"type":"...","body":...}}, {@code {"kind":"response","id":7,"body":...}},
 * {@code {"kind":"error","id":7,"error":"..."}}, {@code {"kind":"event","type":"...","body":...}}.
 *
 * <p>Register handlers, then {@link #attach} to a stream or {@link #openOn} a session. Handlers run on the
 * given executor (by default the event loop, where they must not block).
 */
public final class ControlChannel {

    /** Answers one request type; may return a plain value or a {@link CompletionStage} of one. */
    @FunctionalInterface
    public interface RequestHandler {
        Object handle(JsonNode body) throws Exception;
    }

    private final ObjectMapper mapper;
    private final Executor handlerExecutor;
    private final Map<String, RequestHandler> requestHandlers = new ConcurrentHashMap<>();
    private final Map<String, Consumer<JsonNode>> eventHandlers = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private volatile MuxStream stream;

    /** Handlers run directly on the session's event loop. */
    public ControlChannel(ObjectMapper mapper) {
        this(mapper, Runnable::run);
    }

    public ControlChannel(ObjectMapper mapper, Executor handlerExecutor) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.handlerExecutor = Objects.requireNonNull(handlerExecutor, "handlerExecutor");
    }

    /** Registers the handler for requests of {@code type}; unknown types are answered with an error. */
    public ControlChannel onRequest(String type, RequestHandler handler) {
        requestHandlers.put(type, handler);
        return this;
    }

    /** Registers the handler for events of {@code type}; events without a handler are dropped. */
    public ControlChannel onEvent(String type, Consumer<JsonNode> handler) {
        eventHandlers.put(type, handler);
        return this;
    }

    /** Opens a CONTROL stream on the session and attaches to it. */
    public CompletableFuture<ControlChannel> openOn(MuxSession session) {
        return session.open(StreamKind.CONTROL, Map.of()).thenApply(this::attach);
    }

    /** Uses {@code controlStream} (e.g. one accepted from the peer); call once, after registering handlers. */
    public ControlChannel attach(MuxStream controlStream) {
        if (stream != null) {
            throw new IllegalStateException("already attached");
        }
        stream = controlStream;
        controlStream.onClose(reason -> failPending(reason));
        controlStream.setReader(new MessageReader(controlStream.session().config().maxControlMessage()));
        return this;
    }

    /** Sends a request; completes with the response body, or fails with {@link ControlException}. */
    public CompletableFuture<JsonNode> request(String type, Object body) {
        long id = nextId.getAndIncrement();
        CompletableFuture<JsonNode> response = new CompletableFuture<>();
        pending.put(id, response);
        ObjectNode msg = mapper.createObjectNode().put("kind", "request").put("id", id).put("type", type);
        msg.set("body", mapper.valueToTree(body));
        send(msg).whenComplete((v, e) -> {
            if (e != null) {
                pending.remove(id);
                response.completeExceptionally(new ControlException("request " + type + " not sent: " + e.getMessage(), e));
            }
        });
        return response;
    }

    /** Sends a one-way event; completes when handed to the transport. */
    public CompletableFuture<Void> event(String type, Object body) {
        ObjectNode msg = mapper.createObjectNode().put("kind", "event").put("type", type);
        msg.set("body", mapper.valueToTree(body));
        return send(msg);
    }

    /** Half-closes the control stream; the peer sees end of stream. */
    public CompletableFuture<Void> close() {
        return requireStream().closeWrite();
    }

    public CompletableFuture<CloseReason> closeFuture() {
        return requireStream().closeFuture();
    }

    private MuxStream requireStream() {
        MuxStream s = stream;
        if (s == null) {
            throw new IllegalStateException("not attached to a stream");
        }
        return s;
    }

    private CompletableFuture<Void> send(ObjectNode msg) {
        byte[] bytes;
        try {
            bytes = mapper.writeValueAsBytes(msg);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        return requireStream().write(Unpooled.wrappedBuffer(bytes), true);
    }

    private void failPending(CloseReason reason) {
        for (Long id : pending.keySet()) {
            CompletableFuture<JsonNode> f = pending.remove(id);
            if (f != null) {
                f.completeExceptionally(new ControlException("control stream ended: " + reason));
            }
        }
    }

    private void dispatch(JsonNode msg) {
        String kind = msg.path("kind").asText();
        switch (kind) {
            case "request" -> handlerExecutor.execute(() -> answer(msg.path("id").asLong(), msg.path("type").asText(), msg.path("body")));
            case "response" -> complete(msg.path("id").asLong(), msg.path("body"), null);
            case "error" -> complete(msg.path("id").asLong(), null, msg.path("error").asText());
            case "event" -> {
                Consumer<JsonNode> h = eventHandlers.get(msg.path("type").asText());
                if (h != null) {
                    handlerExecutor.execute(() -> h.accept(msg.path("body")));
                }
            }
            default -> stream.reset(ErrorCode.PROTOCOL_ERROR, "control message of unknown kind '" + kind + "'");
        }
    }

    private void complete(long id, JsonNode body, String error) {
        CompletableFuture<JsonNode> f = pending.remove(id);
        if (f == null) {
            return; // a late answer to a request we gave up on
        }
        if (error != null) {
            f.completeExceptionally(new ControlException(error));
        } else {
            f.complete(body);
        }
    }

    private void answer(long id, String type, JsonNode body) {
        RequestHandler h = requestHandlers.get(type);
        if (h == null) {
            reply(id, null, "unknown request type '" + type + "'");
            return;
        }
        try {
            Object result = h.handle(body);
            if (result instanceof CompletionStage<?> stage) {
                stage.whenComplete((r, e) -> reply(id, r, e == null ? null : describe(e)));
            } else {
                reply(id, result, null);
            }
        } catch (Exception e) {
            reply(id, null, describe(e));
        }
    }

    private static String describe(Throwable e) {
        Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }

    private void reply(long id, Object result, String error) {
        ObjectNode msg = mapper.createObjectNode();
        if (error != null) {
            msg.put("kind", "error").put("id", id).put("error", error);
        } else {
            msg.put("kind", "response").put("id", id);
            msg.set("body", mapper.valueToTree(result));
        }
        send(msg);
    }

    /** Reassembles messages from DATA chunks; credits the window as it buffers since the size is capped anyway. */
    private final class MessageReader implements StreamReader {
        private final int maxMessage;
        private CompositeByteBuf partial;

        MessageReader(int maxMessage) {
            this.maxMessage = maxMessage;
        }

        @Override
        public void onData(MuxStream s, ByteBuf data, boolean endOfMessage) {
            int n = data.readableBytes();
            if (partial == null) {
                partial = s.session().channel().alloc().compositeBuffer();
            }
            partial.addComponent(true, data);
            s.consumed(n);
            if (partial.readableBytes() > maxMessage) {
                release();
                s.reset(ErrorCode.MESSAGE_TOO_LARGE, "control message exceeds " + maxMessage + " bytes");
                return;
            }
            if (!endOfMessage) {
                return;
            }
            JsonNode msg;
            try (ByteBufInputStream in = new ByteBufInputStream(partial)) {
                msg = mapper.readTree((java.io.InputStream) in);
            } catch (IOException e) {
                release();
                s.reset(ErrorCode.PROTOCOL_ERROR, "malformed control message: " + e.getMessage());
                return;
            }
            release();
            if (msg == null || !msg.isObject()) {
                s.reset(ErrorCode.PROTOCOL_ERROR, "control message is not a JSON object");
                return;
            }
            dispatch(msg);
        }

        @Override
        public void onEndOfStream(MuxStream s, Map<String, String> trailers) {
            s.closeWrite();
        }

        @Override
        public void onClosed(MuxStream s, CloseReason reason) {
            release();
        }

        private void release() {
            if (partial != null) {
                partial.release();
                partial = null;
            }
        }
    }
}
