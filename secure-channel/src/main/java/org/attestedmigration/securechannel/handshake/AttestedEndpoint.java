package org.attestedmigration.securechannel.handshake;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.attestedmigration.attestation.KeyAlgorithm;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.policy.Policy;
import org.attestedmigration.securechannel.tls.ConnectionTls;
import org.attestedmigration.securechannel.tls.PreparedTls;
import org.attestedmigration.securechannel.tls.TlsContexts;
import org.attestedmigration.securechannel.tls.TlsEngine;

/**
 * One host's end of attested connections: it opens and accepts TLS 1.3 connections and, on each,
 * runs the mutual attested handshake with its own TPM and the administrator's policy before
 * anything else is exchanged. Only a connection on which both verdicts accepted is handed out.
 *
 * <pre>
 * try (AttestedEndpoint source = AttestedEndpoint.builder("office-1", tpm, eventLog, policy).build()) {
 *     AttestedConnection c = source.connect("laptop-7", 7443, MigrationRole.SOURCE).get();
 *     Channel ch = c.open(pipeline -&gt; pipeline.addLast(myHandler));
 * }
 * </pre>
 *
 * <p>The endpoint uses its {@link Tpm} from worker threads, one command sequence at a time
 * (synchronized on the Tpm instance), and never from an event loop. It does not close the Tpm.
 */
public final class AttestedEndpoint implements AutoCloseable {
    public static final Duration DEFAULT_STEP_TIMEOUT = Duration.ofSeconds(10);

    private final HandshakeSettings settings;
    private final TpmAttester attester;
    private final PeerVerifier verifier;
    private final PreparedTls contexts;
    private final EventLoopGroup group;
    private final ExecutorService workers;

    private AttestedEndpoint(Builder b) {
        this.settings = new HandshakeSettings(b.hostName, b.policy, b.stepTimeout);
        this.attester = new TpmAttester(b.tpm, b.eventLog, b.akAlgorithm, QuotedPcrs.forPolicy(b.policy),
                TpmAttester.identificationFor(b.policy, b.hostName));
        Duration lifetime = b.activationCacheLifetime.orElseGet(() -> defaultActivationCacheLifetime(b.policy));
        this.verifier = new PeerVerifier(b.policy, QuotedPcrs.forPolicy(b.policy), new ActivationCache(lifetime));
        this.contexts = PreparedTls.using(TlsContexts.using(b.engine, new SecureRandom(), b.stepTimeout));
        this.group = new MultiThreadIoEventLoopGroup(b.eventLoopThreads, NioIoHandler.newFactory());
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "attested-handshake-" + b.hostName + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * @param hostName this host's name in the policy
     * @param tpm      this host's TPM, with a provisioned RSA EK and its certificate (unless the policy pins this host's AK alone)
     * @param eventLog the measured launch's TCG event log, sent with every quote
     * @param policy   the administrator's (signature-checked) policy
     */
    public static Builder builder(String hostName, Tpm tpm, byte[] eventLog, Policy policy) {
        return new Builder(hostName, tpm, eventLog, policy);
    }

    /** The TLS implementation in use (BoringSSL unless it could not load or the JDK was asked for). */
    public TlsEngine tlsEngine() {
        return contexts.engine();
    }

    public String hostName() {
        return settings.hostName();
    }

    /**
     * Connects and attests both ways. The future fails with {@link AttestationRejectedException}
     * when either verdict rejected, and with {@link HandshakeException} for any other failure;
     * the connection is closed then.
     *
     * @param localRole the part this host plays in the migration (the peer must take the other)
     */
    public CompletableFuture<AttestedConnection> connect(String host, int port, MigrationRole localRole) {
        Objects.requireNonNull(localRole, "localRole");
        CompletableFuture<AttestedConnection> result = new CompletableFuture<>();
        long started = System.nanoTime();
        ConnectionTls tls = contexts.client();
        Duration material = Duration.ofNanos(System.nanoTime() - started);
        MessageInbox inbox = new MessageInbox();
        ChannelFuture connecting = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.stepTimeout().toMillis())
                .handler(pipelineFor(tls, inbox))
                .connect(host, port);
        connecting.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(new HandshakeException(HandshakeStep.TLS, HandshakeException.Failure.TLS,
                        "cannot connect to " + host + ":" + port + ": " + f.cause().getMessage(), f.cause()));
                return;
            }
            start(f.channel(), tls, inbox, Optional.of(localRole), result, started, material);
        });
        return result;
    }

    /**
     * Accepts connections and attests each; only those both verdicts accepted reach
     * {@code onAttested}, the failures (already closed) reach {@code onFailed}. Both are called on
     * a worker thread.
     */
    public AttestedListener listen(InetSocketAddress address, Consumer<AttestedConnection> onAttested, Consumer<HandshakeException> onFailed)
            throws InterruptedException {
        Objects.requireNonNull(onAttested, "onAttested");
        Objects.requireNonNull(onFailed, "onFailed");
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        long started = System.nanoTime();
                        ConnectionTls tls = contexts.server();
                        Duration material = Duration.ofNanos(System.nanoTime() - started);
                        MessageInbox inbox = new MessageInbox();
                        install(ch, tls, inbox);
                        CompletableFuture<AttestedConnection> result = new CompletableFuture<>();
                        result.whenComplete((c, e) -> {
                            if (c != null) {
                                onAttested.accept(c);
                            } else {
                                onFailed.accept(asHandshakeException(e));
                            }
                        });
                        start(ch, tls, inbox, Optional.empty(), result, started, material);
                    }
                })
                .bind(address).sync().channel();
        return new AttestedListener(server);
    }

    /** Listens on every address of the host. */
    public AttestedListener listen(int port, Consumer<AttestedConnection> onAttested, Consumer<HandshakeException> onFailed)
            throws InterruptedException {
        return listen(new InetSocketAddress(port), onAttested, onFailed);
    }

    private ChannelInitializer<Channel> pipelineFor(ConnectionTls tls, MessageInbox inbox) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                install(ch, tls, inbox);
            }
        };
    }

    private static void install(Channel ch, ConnectionTls tls, MessageInbox inbox) {
        ch.pipeline().addLast("attested-tls", tls.newHandler(ch.alloc()));
        HandshakeFraming.install(ch.pipeline());
        ch.pipeline().addLast(MessageInbox.NAME, inbox);
    }

    private void start(Channel ch, ConnectionTls tls, MessageInbox inbox, Optional<MigrationRole> role,
            CompletableFuture<AttestedConnection> result, long started, Duration tlsMaterial) {
        SslHandler ssl = ch.pipeline().get(SslHandler.class);
        AttestedHandshake handshake = new AttestedHandshake(settings, attester, verifier, ch, ssl, tls, inbox, role, workers, started,
                tlsMaterial);
        workers.execute(() -> {
            try {
                result.complete(handshake.run());
            } catch (HandshakeException e) {
                result.completeExceptionally(e);
            }
        });
    }

    private static HandshakeException asHandshakeException(Throwable e) {
        Throwable t = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        return t instanceof HandshakeException h ? h
                : new HandshakeException(HandshakeStep.TLS, HandshakeException.Failure.PROTOCOL_VIOLATION, String.valueOf(t), t);
    }

    /** The policy's nonce lifetime, within the cache's bounds. */
    static Duration defaultActivationCacheLifetime(Policy policy) {
        Duration d = policy.freshness().nonceLifetime();
        return d.isNegative() ? Duration.ZERO : d.compareTo(ActivationCache.MAX_LIFETIME) > 0 ? ActivationCache.MAX_LIFETIME : d;
    }

    /** How long this endpoint remembers a peer's activated AK. */
    public Duration activationCacheLifetime() {
        return verifier.activations().lifetime();
    }

    /** Stops the event loops and workers (open connections close) and flushes the AK from the TPM. */
    @Override
    public void close() {
        contexts.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownNow();
        attester.release();
    }

    /** Configures an endpoint; every setting but the four required ones has a default. */
    public static final class Builder {
        private final String hostName;
        private final Tpm tpm;
        private final byte[] eventLog;
        private final Policy policy;
        private KeyAlgorithm akAlgorithm = KeyAlgorithm.ECC_P256;
        private Duration stepTimeout = DEFAULT_STEP_TIMEOUT;
        private TlsEngine engine = TlsEngine.preferred();
        private int eventLoopThreads = 2;
        private Optional<Duration> activationCacheLifetime = Optional.empty();

        private Builder(String hostName, Tpm tpm, byte[] eventLog, Policy policy) {
            this.hostName = Objects.requireNonNull(hostName, "hostName");
            this.tpm = Objects.requireNonNull(tpm, "tpm");
            this.eventLog = Objects.requireNonNull(eventLog, "eventLog").clone();
            this.policy = Objects.requireNonNull(policy, "policy");
        }

        /** The AK's algorithm; ECC P-256 by default. */
        public Builder attestationKey(KeyAlgorithm algorithm) {
            this.akAlgorithm = Objects.requireNonNull(algorithm, "algorithm");
            return this;
        }

        /** How long each step may wait for the peer (and the TLS handshake may take); 10 s by default. */
        public Builder stepTimeout(Duration timeout) {
            this.stepTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** The TLS engine; {@link TlsEngine#preferred()} by default. */
        public Builder tlsEngine(TlsEngine tlsEngine) {
            this.engine = Objects.requireNonNull(tlsEngine, "tlsEngine");
            return this;
        }

        /**
         * How long an activated (EK, AK) pair of a peer is remembered, so that handshakes with the
         * same peer within that time skip credential activation (never the fresh quote). By
         * default the policy's {@code freshness.nonceLifetime}; {@link Duration#ZERO} activates
         * in every handshake; at most {@link ActivationCache#MAX_LIFETIME}. Each verdict says
         * which it was (rule {@code ak.activation}).
         */
        public Builder activationCacheLifetime(Duration lifetime) {
            Objects.requireNonNull(lifetime, "lifetime");
            new ActivationCache(lifetime); // validates
            this.activationCacheLifetime = Optional.of(lifetime);
            return this;
        }

        public Builder eventLoopThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("at least one event loop thread");
            }
            this.eventLoopThreads = threads;
            return this;
        }

        /** @throws IllegalArgumentException if the host name is invalid or the policy's EK manufacturers include no root */
        public AttestedEndpoint build() {
            return new AttestedEndpoint(this);
        }
    }
}
