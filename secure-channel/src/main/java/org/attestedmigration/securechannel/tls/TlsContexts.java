package org.attestedmigration.securechannel.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLException;
import org.attestedmigration.policy.TlsRequirements;

/**
 * Builds the TLS side of attested connections: TLS 1.3 only, mutual authentication, the three
 * TLS 1.3 AEAD suites, and for every connection a fresh {@link EphemeralIdentity} and a fresh
 * context. A context serves exactly one connection, so there is no session cache or ticket key
 * shared between connections that a later one could resume from.
 */
public final class TlsContexts {
    public static final String TLS13 = "TLSv1.3";
    public static final List<String> CIPHER_SUITES = TlsRequirements.TLS13_SUITES;

    private final TlsEngine engine;
    private final SecureRandom random;
    private final Duration handshakeTimeout;

    private TlsContexts(TlsEngine engine, SecureRandom random, Duration handshakeTimeout) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.random = Objects.requireNonNull(random, "random");
        this.handshakeTimeout = Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
    }

    /** Contexts on the given engine; the TLS handshake itself must finish within {@code handshakeTimeout}. */
    public static TlsContexts using(TlsEngine engine, SecureRandom random, Duration handshakeTimeout) {
        return new TlsContexts(engine, random, handshakeTimeout);
    }

    public TlsEngine engine() {
        return engine;
    }

    /** The client end of one new connection. */
    public ConnectionTls client() {
        EphemeralIdentity identity = EphemeralIdentity.generate(random);
        SelfSignedPeerTrust trust = new SelfSignedPeerTrust();
        SslContextBuilder builder = SslContextBuilder.forClient().keyManager(new SingleKeyManager(identity));
        return new ConnectionTls(engine, build(builder, trust), identity, trust, true, handshakeTimeout);
    }

    /** The server end of one new (accepted) connection. */
    public ConnectionTls server() {
        EphemeralIdentity identity = EphemeralIdentity.generate(random);
        SelfSignedPeerTrust trust = new SelfSignedPeerTrust();
        SslContextBuilder builder = SslContextBuilder.forServer(new SingleKeyManager(identity)).clientAuth(ClientAuth.REQUIRE);
        return new ConnectionTls(engine, build(builder, trust), identity, trust, false, handshakeTimeout);
    }

    private SslContext build(SslContextBuilder builder, SelfSignedPeerTrust trust) {
        try {
            SslContext context = builder.sslProvider(engine.provider())
                    .trustManager(trust)
                    .protocols(TLS13)
                    .ciphers(CIPHER_SUITES)
                    // Without it Netty's JDK path reaches for a default SecureRandom per context.
                    .secureRandom(random)
                    .build();
            if (context.sessionContext() instanceof OpenSslSessionContext openSsl) {
                openSsl.setSessionCacheEnabled(false);
            }
            return context;
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build a TLS 1.3 context on " + engine + ": " + e.getMessage(), e);
        }
    }
}
