package org.attestedmigration.migrationcore.simvm;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.attestedmigration.migrationcore.unix.PrivateSocket;

/**
 * The unix socket the agent listens on for one memory stream, as QEMU's {@code migrate unix:PATH}
 * and {@code -incoming unix:PATH} use one: the guest process connects, one connection is taken.
 */
final class StreamSocket implements AutoCloseable {
    private final ServerSocketChannel server;
    private final Path path;

    private StreamSocket(ServerSocketChannel server, Path path) {
        this.server = server;
        this.path = path;
    }

    static StreamSocket listen(Path path) throws IOException {
        Files.deleteIfExists(path);
        return new StreamSocket(PrivateSocket.bind(path), path);
    }

    Path path() {
        return path;
    }

    /**
     * The guest process's connection.
     *
     * @param giveUp a request whose end (an error answer) means the process will not connect
     * @throws IOException it did not connect within {@code timeout}, or {@code giveUp} ended first
     */
    SocketChannel accept(Duration timeout, CompletableFuture<?> giveUp) throws IOException, InterruptedException {
        CompletableFuture<SocketChannel> accepted = CompletableFuture.supplyAsync(() -> {
            try {
                return server.accept();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, r -> {
            Thread t = new Thread(r, "memory-stream-accept");
            t.setDaemon(true);
            t.start();
        });
        try {
            CompletableFuture.anyOf(accepted, giveUp).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // Judged below by what completed.
        }
        if (accepted.isDone() && !accepted.isCompletedExceptionally()) {
            return accepted.join();
        }
        close();
        throw new IOException("the guest process did not connect to the memory stream socket " + path);
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // Nothing to release.
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // Replaced at the next listen.
        }
    }
}
