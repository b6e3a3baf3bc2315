package org.attestedmigration.securechannel.mux;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ExecutionException;

/**
 * Blocking {@link OutputStream} over a stream. It keeps up to {@code maxOutstanding} bytes queued in the
 * stream so the event loop always has the next frame ready, and blocks beyond that, so a peer that stops
 * reading stops the writer instead of growing memory. {@link #close()} flushes and half-closes.
 */
final class MuxOutputStream extends OutputStream {
    private final MuxStream stream;
    private final long maxOutstanding;
    private final int chunk;
    private final Object lock = new Object();
    private long outstanding;
    private Throwable failure;
    private boolean closed;

    MuxOutputStream(MuxStream stream, long maxOutstanding) {
        this.stream = stream;
        this.maxOutstanding = maxOutstanding;
        this.chunk = stream.session().config().maxFramePayload();
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        checkUsable();
        while (len > 0) {
            int n = Math.min(len, chunk);
            awaitBelow(maxOutstanding - n);
            ByteBuf buf = stream.session().alloc().buffer(n);
            buf.writeBytes(b, off, n);
            synchronized (lock) {
                outstanding += n;
            }
            stream.write(buf).whenComplete((v, e) -> {
                synchronized (lock) {
                    outstanding -= n;
                    if (e != null && failure == null) {
                        failure = e;
                    }
                    lock.notifyAll();
                }
            });
            off += n;
            len -= n;
        }
    }

    /** Waits until everything written was handed to the transport. */
    @Override
    public void flush() throws IOException {
        awaitBelow(0);
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        flush();
        closed = true;
        try {
            stream.closeWrite().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while closing " + stream);
        } catch (ExecutionException e) {
            throw new IOException("closing " + stream + " failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private void checkUsable() throws IOException {
        if (closed) {
            throw new IOException("stream closed for writing");
        }
        if (stream.session().eventLoop().inEventLoop()) {
            throw new IllegalStateException("blocking write on the event loop");
        }
    }

    private void awaitBelow(long limit) throws IOException {
        synchronized (lock) {
            while (outstanding > Math.max(0, limit) && failure == null) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while writing " + stream);
                }
            }
            if (failure != null) {
                throw new IOException(stream + " failed: " + failure.getMessage(), failure);
            }
        }
    }
}
