package org.attestedmigration.migrationcore.memory;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.attestedmigration.migrationcore.hypervisor.IncomingVm;
import org.attestedmigration.migrationcore.hypervisor.MemoryReceipt;

/** Byte links between a source and a destination for tests: loopback sockets, pipes, slow and breaking links. */
final class TestLinks {
    private TestLinks() {
    }

    /** The two ends of a one-way link. */
    record Link(OutputStream source, InputStream destination, Closer closer) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            closer.close();
        }
    }

    /** Closes both ends. */
    interface Closer {
        void close() throws IOException;
    }

    static Link loopback() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
            Socket accepted = server.accept();
            return new Link(client.getOutputStream(), accepted.getInputStream(), () -> {
                client.close();
                accepted.close();
            });
        }
    }

    static Link piped() throws IOException {
        PipedInputStream in = new PipedInputStream(1 << 20);
        PipedOutputStream out = new PipedOutputStream(in);
        return new Link(out, in, () -> {
            out.close();
            in.close();
        });
    }

    /** Runs the destination's receive on a thread of its own. */
    static CompletableFuture<MemoryReceipt> receive(IncomingVm vm, InputStream in) {
        CompletableFuture<MemoryReceipt> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(vm.receiveMemory(in));
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "test-receiver");
        t.setDaemon(true);
        t.start();
        return f;
    }

    /** A link of {@code bytesPerSecond}. */
    static final class Throttled extends FilterOutputStream {
        private final long bytesPerSecond;
        private final long start = System.nanoTime();
        private long sent;

        Throttled(OutputStream out, long bytesPerSecond) {
            super(out);
            this.bytesPerSecond = bytesPerSecond;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int n = Math.min(len, 16 * 1024);
                out.write(b, off, n);
                off += n;
                len -= n;
                sent += n;
                long due = start + sent * 1_000_000_000L / bytesPerSecond;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    try {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted");
                    }
                }
            }
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }
    }

    /** A link that goes down (closing its far end) after {@code limit} bytes. */
    static final class Breaking extends FilterOutputStream {
        private long left;

        Breaking(OutputStream out, long limit) {
            super(out);
            this.left = limit;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len > left) {
                out.write(b, off, (int) left);
                out.flush();
                out.close();
                left = 0;
                throw new IOException("link down");
            }
            out.write(b, off, len);
            left -= len;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }
    }
}
