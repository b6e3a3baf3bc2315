package org.attestedmigration.securechannel.tls;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Makes each connection's TLS material ({@link EphemeralIdentity} and its one-connection
 * context) before the connection needs it, off the critical path: one client and one server end
 * are kept ready, made on a background thread, and each is handed out once and replaced at once.
 * The guarantee of {@link TlsContexts} holds unchanged: a fresh key, certificate and context per
 * connection, never shared, never reused ({@link ConnectionTls#newHandler} refuses a second use).
 *
 * <p>A prepared end that waited longer than {@link #MAX_AGE} is discarded and a fresh one made in
 * its place, so that a key never sits in memory for long before its connection. When none is
 * ready (a burst of connections), the caller makes one itself: preparation only ever saves time.
 */
public final class PreparedTls implements AutoCloseable {
    /** Longest a prepared end may wait for its connection. */
    public static final Duration MAX_AGE = Duration.ofMinutes(5);

    private final TlsContexts contexts;
    private final ExecutorService maker;
    private final Slot clients;
    private final Slot servers;

    private PreparedTls(TlsContexts contexts) {
        this.contexts = Objects.requireNonNull(contexts, "contexts");
        this.maker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tls-identity-maker");
            t.setDaemon(true);
            return t;
        });
        this.clients = new Slot(contexts::client);
        this.servers = new Slot(contexts::server);
        clients.refill();
        servers.refill();
    }

    /** Prepares ends with these contexts, starting now. */
    public static PreparedTls using(TlsContexts contexts) {
        return new PreparedTls(contexts);
    }

    public TlsEngine engine() {
        return contexts.engine();
    }

    /** The client end of one new connection: the prepared one if it is ready, else a new one. */
    public ConnectionTls client() {
        return clients.take();
    }

    /** The server end of one new (accepted) connection: the prepared one if it is ready, else a new one. */
    public ConnectionTls server() {
        return servers.take();
    }

    /** Stops preparing; what was prepared and not taken is dropped. */
    @Override
    public void close() {
        maker.shutdownNow();
    }

    /** One prepared end of one kind, being made or ready. */
    private final class Slot {
        private final Supplier<ConnectionTls> make;
        private final AtomicReference<CompletableFuture<Made>> next = new AtomicReference<>();

        Slot(Supplier<ConnectionTls> make) {
            this.make = make;
        }

        void refill() {
            if (maker.isShutdown()) {
                return;
            }
            try {
                next.set(CompletableFuture.supplyAsync(() -> new Made(make.get(), System.nanoTime()), maker));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                next.set(null);
            }
        }

        ConnectionTls take() {
            CompletableFuture<Made> ready = next.getAndSet(null);
            if (ready == null || ready.isCompletedExceptionally() || ready.isCancelled()) {
                refill();
                return make.get();
            }
            if (!ready.isDone()) {
                // Still being made: leave it for the next connection (unless another took its place) and make our own.
                if (!next.compareAndSet(null, ready)) {
                    ready.cancel(false);
                }
                return make.get();
            }
            Made made = ready.join();
            refill();
            return System.nanoTime() - made.at() <= MAX_AGE.toNanos() ? made.tls() : make.get();
        }
    }

    private record Made(ConnectionTls tls, long at) {
    }
}
