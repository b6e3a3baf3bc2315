package org.attestedmigration.securechannel.handshake;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.attestedmigration.policy.TlsSessionFacts;
import org.attestedmigration.policy.Verdict;
import org.attestedmigration.securechannel.tls.TlsEngine;

/**
 * A TLS 1.3 connection on which both hosts attested to each other and both verdicts accepted.
 * The handshake's handlers are gone from the channel's pipeline; what the peer sent after its
 * verdict is held, and reading is paused, until {@link #open} installs the application's handlers.
 *
 * <p>Only an {@code AttestedConnection} may carry application data: nothing may be written to a
 * channel before the future that yields this object has completed normally.
 */
public final class AttestedConnection {
    private final Channel channel;
    private final String peerHost;
    private final MigrationRole localRole;
    private final Verdict localVerdict;
    private final Verdict peerVerdict;
    private final TlsSessionFacts tls;
    private final TlsEngine engine;
    private final HandshakeTimings timings;
    private final PeerAkTrust peerAkTrust;
    private final AtomicBoolean opened = new AtomicBoolean();
    private final Reattestation reattestation;

    AttestedConnection(Channel channel, String peerHost, MigrationRole localRole, Verdict localVerdict, Verdict peerVerdict,
            TlsSessionFacts tls, TlsEngine engine, HandshakeTimings timings, PeerAkTrust peerAkTrust, Reattestation reattestation) {
        this.reattestation = Objects.requireNonNull(reattestation, "reattestation");
        this.channel = Objects.requireNonNull(channel, "channel");
        this.peerHost = Objects.requireNonNull(peerHost, "peerHost");
        this.localRole = Objects.requireNonNull(localRole, "localRole");
        this.localVerdict = Objects.requireNonNull(localVerdict, "localVerdict");
        this.peerVerdict = Objects.requireNonNull(peerVerdict, "peerVerdict");
        this.tls = Objects.requireNonNull(tls, "tls");
        this.engine = Objects.requireNonNull(engine, "engine");
        this.timings = Objects.requireNonNull(timings, "timings");
        this.peerAkTrust = Objects.requireNonNull(peerAkTrust, "peerAkTrust");
    }

    /** Both halves of attesting again on this connection (see {@link Reattestation}). */
    public Reattestation reattestation() {
        return reattestation;
    }

    /** The host name the peer claimed and the policy verified. */
    public String peerHost() {
        return peerHost;
    }

    public MigrationRole localRole() {
        return localRole;
    }

    public MigrationRole peerRole() {
        return localRole.opposite();
    }

    /** This host's verdict on the peer (ACCEPT, every rule's result). */
    public Verdict localVerdict() {
        return localVerdict;
    }

    /** The peer's verdict on this host, as it sent it. */
    public Verdict peerVerdict() {
        return peerVerdict;
    }

    public TlsSessionFacts tls() {
        return tls;
    }

    public TlsEngine engine() {
        return engine;
    }

    /** From the start of the connection (TLS material, TCP connect or accept) to both verdicts. */
    public Duration handshakeTime() {
        return timings.total();
    }

    /** How long each step took on this side, including waiting for the peer (for benchmarks). */
    public java.util.Map<HandshakeStep, Duration> stepTimes() {
        return timings.steps();
    }

    /** Steps and this side's work items, for benchmarks and logs. */
    public HandshakeTimings timings() {
        return timings;
    }

    /** How this side trusted the peer's AK in this handshake (also a line of {@link #localVerdict()}). */
    public PeerAkTrust peerAkTrust() {
        return peerAkTrust;
    }

    /**
     * The channel, for writing and for inspection. Its pipeline ends in a handler holding the
     * peer's early bytes; install readers with {@link #open}, not directly.
     */
    public Channel channel() {
        return channel;
    }

    /**
     * Installs the application's handlers at the end of the pipeline (on the event loop), hands
     * them whatever the peer sent after its verdict, and resumes reading.
     *
     * @throws IllegalStateException on a second call
     */
    public Channel open(Consumer<ChannelPipeline> installer) {
        Objects.requireNonNull(installer, "installer");
        if (!opened.compareAndSet(false, true)) {
            throw new IllegalStateException("the connection to " + peerHost + " is open already");
        }
        channel.eventLoop().execute(() -> {
            ChannelPipeline pipeline = channel.pipeline();
            installer.accept(pipeline);
            if (pipeline.get(MessageInbox.NAME) != null) {
                pipeline.remove(MessageInbox.NAME);
            }
            channel.config().setAutoRead(true);
        });
        return channel;
    }

    /** Closes the connection. */
    public void close() {
        channel.close();
    }

    @Override
    public String toString() {
        return "AttestedConnection[" + peerHost + " as " + peerRole() + ", " + tls.protocol() + " " + tls.cipherSuite() + " on " + engine
                + (tls.exporterBound() ? ", exporter-bound" : "") + "]";
    }
}
