package org.attestedmigration.securechannel.mux;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Blocking {@link InputStream} over a stream. It credits the peer only for bytes the caller has read, so
 * its queue never holds more than the stream window. EOF when the peer half-closes; an {@link IOException}
 * naming the reason when the stream is reset or the session dies.
 *
 * <p>Credit goes to the event loop in batches (a sixteenth of the window, and always before the reader
 * would block): crediting every {@code read} call made a task for the event loop per call, and a
 * DataInputStream reading small fields made several per chunk.
 */
final class MuxInputStream extends InputStream implements StreamReader {
    private static final Object EOF = new Object();

    private final MuxStream stream;
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private ByteBuf current;
    private Object terminal;
    private volatile boolean closed;
    /** Bytes read but not yet credited; only the reading thread touches it. */
    private int uncredited;
    private final int creditBatch;

    MuxInputStream(MuxStream stream) {
        this.stream = stream;
        this.creditBatch = Math.max(1, stream.session().config().initialStreamWindow() / 16);
        stream.setReader(this);
    }

    @Override
    public void onData(MuxStream s, ByteBuf data, boolean endOfMessage) {
        if (closed) {
            int n = data.readableBytes();
            data.release();
            s.consumed(n);
            return;
        }
        queue.add(data);
    }

    @Override
    public void onEndOfStream(MuxStream s, Map<String, String> trailers) {
        queue.add(EOF);
    }

    @Override
    public void onClosed(MuxStream s, CloseReason reason) {
        if (!reason.isClean()) {
            queue.add(reason);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, current.readableBytes());
        current.readBytes(b, off, n);
        releaseIfDrained();
        uncredited += n;
        if (uncredited >= creditBatch) {
            credit();
        }
        return n;
    }

    @Override
    public int available() {
        return current == null ? 0 : current.readableBytes();
    }

    /** Makes {@code current} readable; false at EOF. */
    private boolean fill() throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        while (current == null) {
            if (terminal == null) {
                if (stream.session().eventLoop().inEventLoop()) {
                    throw new IllegalStateException("blocking read on the event loop");
                }
                Object next = queue.poll();
                if (next == null) {
                    credit(); // the peer may be waiting for exactly this credit before it sends more
                }
                try {
                    next = next != null ? next : queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while reading " + stream);
                }
                if (next instanceof ByteBuf buf) {
                    current = buf;
                    releaseIfDrained();
                    continue;
                }
                terminal = next;
            }
            if (terminal == EOF) {
                return false;
            }
            throw new IOException(stream + " failed: " + terminal);
        }
        return true;
    }

    private void credit() {
        if (uncredited > 0) {
            stream.consumed(uncredited);
            uncredited = 0;
        }
    }

    private void releaseIfDrained() {
        if (current != null && !current.isReadable()) {
            current.release();
            current = null;
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        int dropped = uncredited;
        uncredited = 0;
        if (current != null) {
            dropped += current.readableBytes();
            current.release();
            current = null;
        }
        for (Object o; (o = queue.poll()) != null; ) {
            if (o instanceof ByteBuf buf) {
                dropped += buf.readableBytes();
                buf.release();
            }
        }
        stream.consumed(dropped);
    }
}
