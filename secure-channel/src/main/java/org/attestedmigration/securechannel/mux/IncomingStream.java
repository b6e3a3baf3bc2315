package org.attestedmigration.securechannel.mux;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/** A stream the peer asked to open; accept or reject it exactly once. */
public final class IncomingStream {
    private final MuxStream stream;
    private final AtomicBoolean decided = new AtomicBoolean();

    IncomingStream(MuxStream stream) {
        this.stream = stream;
    }

    public StreamKind kind() {
        return stream.kind();
    }

    /** What the opener sent with OPEN (e.g. target host and port, command name). */
    public Map<String, String> metadata() {
        return stream.metadata();
    }

    public int streamId() {
        return stream.id();
    }

    public MuxSession session() {
        return stream.session();
    }

    /** Accepts: the peer may now send; data arriving before a reader is set is buffered (within the window). */
    public MuxStream accept() {
        decide();
        stream.session().acceptStream(stream);
        return stream;
    }

    /** Accepts and installs the reader before any data can be delivered. */
    public MuxStream accept(StreamReader reader) {
        stream.setReader(reader);
        return accept();
    }

    /** Refuses; the opener's {@code open} future fails with this code and reason. */
    public void reject(ErrorCode code, String reason) {
        decide();
        stream.reset(code, reason);
    }

    private void decide() {
        if (!decided.compareAndSet(false, true)) {
            throw new IllegalStateException("stream " + stream.id() + " already accepted or rejected");
        }
    }
}
