package org.attestedmigration.migrationcore.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serves one {@link NbdExport} over a unix-domain socket with the fixed-newstyle NBD protocol, so
 * QEMU ({@code nbd+unix:///NAME?socket=PATH}), Xen qdisk or the kernel's nbd-client can use the
 * image while every write passes the export's {@link WriteObserver}.
 *
 * <p>One thread per connection: a VM has one or a few connections, and blocking I/O keeps the
 * write path (image write, chunk mark, observer, reply) easy to reason about.
 */
public final class NbdServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NbdServer.class.getName());

    private final Path socketPath;
    private final NbdExport export;
    private final ServerSocketChannel listener;
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    private NbdServer(Path socketPath, NbdExport export, ServerSocketChannel listener) {
        this.socketPath = socketPath;
        this.export = export;
        this.listener = listener;
        this.acceptor = new Thread(this::acceptLoop, "nbd-accept-" + export.name());
        this.acceptor.setDaemon(true);
    }

    /**
     * Binds {@code socketPath} (which must not exist) and starts accepting clients.
     *
     * @throws IOException if the socket cannot be bound
     */
    public static NbdServer start(Path socketPath, NbdExport export) throws IOException {
        Objects.requireNonNull(socketPath, "socketPath");
        Objects.requireNonNull(export, "export");
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(socketPath));
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        NbdServer server = new NbdServer(socketPath, export, ch);
        server.acceptor.start();
        return server;
    }

    public Path socketPath() {
        return socketPath;
    }

    public NbdExport export() {
        return export;
    }

    /** Connections currently open. */
    public int connectionCount() {
        return connections.size();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel client = listener.accept();
                connections.add(client);
                Thread t = new Thread(() -> serve(client), "nbd-conn-" + export.name());
                t.setDaemon(true);
                t.start();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "accept failed on " + socketPath, e);
                }
            }
        }
    }

    private void serve(SocketChannel client) {
        try (client) {
            if (new NbdHandshake(client, export).run()) {
                new NbdSession(client, export).run();
            }
        } catch (NbdProtocolException e) {
            LOG.log(System.Logger.Level.WARNING, "dropping NBD client: " + e.getMessage());
        } catch (EOFException | ClosedChannelException e) {
            LOG.log(System.Logger.Level.DEBUG, "NBD client left");
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "NBD connection failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // A bug must cost this client its connection, never the server or the image.
            LOG.log(System.Logger.Level.ERROR, "NBD connection aborted by an internal error", e);
        } finally {
            connections.remove(client);
        }
    }

    /** Stops accepting, closes every connection and removes the socket file. */
    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        for (SocketChannel c : connections) {
            try {
                c.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "close failed", e);
            }
        }
        Files.deleteIfExists(socketPath);
    }
}
