package org.attestedmigration.securechannel.handshake;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;

/** A listening socket of an {@link AttestedEndpoint}; closing it stops accepting, not the connections made. */
public final class AttestedListener implements AutoCloseable {
    private final Channel server;

    AttestedListener(Channel server) {
        this.server = server;
    }

    /** The bound address (with the actual port when port 0 was asked for). */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
    }
}
