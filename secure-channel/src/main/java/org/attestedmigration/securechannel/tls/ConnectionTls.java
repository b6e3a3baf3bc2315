package org.attestedmigration.securechannel.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The TLS material of exactly one connection: its context, its ephemeral identity and the trust
 * manager that records the peer's certificate. Make one per connection with {@link TlsContexts}.
 */
public final class ConnectionTls {
    private final SslContext context;
    private final EphemeralIdentity identity;
    private final SelfSignedPeerTrust peerTrust;
    private final boolean client;
    private final Duration handshakeTimeout;
    private final TlsEngine engine;
    private boolean handlerMade;

    ConnectionTls(TlsEngine engine, SslContext context, EphemeralIdentity identity, SelfSignedPeerTrust peerTrust, boolean client,
            Duration handshakeTimeout) {
        this.engine = engine;
        this.context = context;
        this.identity = identity;
        this.peerTrust = peerTrust;
        this.client = client;
        this.handshakeTimeout = handshakeTimeout;
    }

    public EphemeralIdentity identity() {
        return identity;
    }

    public TlsEngine engine() {
        return engine;
    }

    public boolean isClient() {
        return client;
    }

    /**
     * The connection's SslHandler; only one, since the identity must not serve two connections.
     *
     * @throws IllegalStateException on a second call
     */
    public synchronized SslHandler newHandler(ByteBufAllocator allocator) {
        if (handlerMade) {
            throw new IllegalStateException("this connection's TLS material was used already");
        }
        handlerMade = true;
        SslHandler handler = context.newHandler(allocator);
        handler.setHandshakeTimeoutMillis(handshakeTimeout.toMillis());
        return handler;
    }

    /**
     * What the finished TLS handshake established. The peer certificate is the one in the session,
     * and it must be the one the trust manager checked.
     *
     * @throws SSLPeerUnverifiedException if the session has no (or another) peer certificate
     */
    public EstablishedTls established(SslHandler handler) throws SSLPeerUnverifiedException {
        SSLSession session = handler.engine().getSession();
        Certificate[] peer = session.getPeerCertificates();
        if (peer.length != 1 || !(peer[0] instanceof X509Certificate peerCert)) {
            throw new SSLPeerUnverifiedException("the peer presented " + peer.length + " certificates; exactly one is expected");
        }
        if (!peerTrust.peerCertificate().map(peerCert::equals).orElse(false)) {
            throw new SSLPeerUnverifiedException("the session's peer certificate is not the one the trust manager checked");
        }
        return new EstablishedTls(engine, session.getProtocol(), session.getCipherSuite(), identity.certificate(), peerCert,
                KeyingMaterialExporter.channelBinding(handler.engine()));
    }
}
