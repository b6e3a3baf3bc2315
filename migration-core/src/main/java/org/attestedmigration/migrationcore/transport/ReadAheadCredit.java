package org.attestedmigration.migrationcore.transport;

import java.util.function.IntConsumer;

/**
 * Flow-control credit for a stream whose messages a worker processes behind the event loop:
 * bytes are credited back to the peer as soon as they arrive while the worker's backlog is under
 * {@code limit}, and only as the worker catches up beyond it. The peer's window alone (1 MiB per
 * stream by default) would otherwise cap the link at one window per disk write's latency; this
 * lets up to {@code limit} bytes more be read ahead, and no more.
 */
final class ReadAheadCredit {
    private final long limit;
    private final IntConsumer grant;
    private long backlog;
    private long withheld;

    /** @param grant tells the peer it may send that many bytes more ({@code MuxStream::consumed}) */
    ReadAheadCredit(long limit, IntConsumer grant) {
        this.limit = limit;
        this.grant = grant;
    }

    /** {@code bytes} arrived and wait for the worker. */
    void arrived(int bytes) {
        int now;
        synchronized (this) {
            backlog += bytes;
            if (backlog <= limit && withheld == 0) {
                now = bytes;
            } else {
                withheld += bytes;
                now = 0;
            }
        }
        if (now > 0) {
            grant.accept(now);
        }
    }

    /** The worker processed {@code bytes}; credit withheld bytes that fit under the limit again. */
    void processed(int bytes) {
        long now;
        synchronized (this) {
            backlog -= bytes;
            now = Math.min(withheld, Math.max(0, limit - backlog + withheld));
            withheld -= now;
        }
        while (now > 0) {
            int n = (int) Math.min(now, Integer.MAX_VALUE);
            grant.accept(n);
            now -= n;
        }
    }
}
