package org.attestedmigration.securechannel.mux;

import io.netty.channel.Channel;
import java.util.ArrayDeque;

/**
 * Decides which stream sends the next frame. CONTROL streams go first; the others take turns one frame at a
 * time (round robin), so a saturated bulk stream delays a control message by at most one frame. It stops
 * while Netty's write buffer is above its high-water mark, so outbound memory stays bounded by the water
 * marks plus the peer's windows.
 */
final class OutboundScheduler {
    private final Channel channel;
    private final ArrayDeque<MuxStream> controlReady = new ArrayDeque<>();
    private final ArrayDeque<MuxStream> bulkReady = new ArrayDeque<>();
    private int connectionWindow;
    private int maxPayload = FrameFormat.MIN_MAX_FRAME_PAYLOAD;
    private boolean running;

    OutboundScheduler(Channel channel) {
        this.channel = channel;
    }

    /** Applies the peer's HELLO: its frame limit and its initial connection window. */
    void peerSettings(int peerMaxPayload, int peerConnectionWindow) {
        maxPayload = peerMaxPayload;
        connectionWindow = peerConnectionWindow;
        run();
    }

    void onConnectionWindowUpdate(int increment) throws MuxProtocolException {
        long next = (long) connectionWindow + increment;
        if (next > FrameFormat.MAX_WINDOW) {
            throw MuxProtocolException.connection(ErrorCode.FLOW_CONTROL_ERROR, "connection window overflow");
        }
        connectionWindow = (int) next;
        run();
    }

    /** Queues the stream if it has something to send, then runs a pass. */
    void maybeSchedule(MuxStream s) {
        if (!s.scheduled && s.hasSendableWork()) {
            s.scheduled = true;
            (s.kind() == StreamKind.CONTROL ? controlReady : bulkReady).add(s);
        }
        run();
    }

    void run() {
        if (running) {
            return; // a write future's callback wrote again; the outer pass picks it up
        }
        running = true;
        boolean wrote = false;
        try {
            while (channel.isActive()) {
                if (!channel.isWritable()) {
                    break; // resumed by channelWritabilityChanged
                }
                ArrayDeque<MuxStream> queue = controlReady.isEmpty() ? bulkReady : controlReady;
                MuxStream s = queue.poll();
                if (s == null) {
                    break;
                }
                if (!s.hasSendableWork()) {
                    s.scheduled = false;
                    continue;
                }
                if (s.nextNeedsConnectionWindow() && connectionWindow <= 0) {
                    queue.addFirst(s); // keep its turn; resumed by a connection WINDOW_UPDATE
                    break;
                }
                int sent = s.emitOne(Math.min(maxPayload, Math.max(connectionWindow, 0)));
                connectionWindow -= sent;
                wrote = true;
                if (s.hasSendableWork()) {
                    queue.add(s);
                } else {
                    s.scheduled = false;
                }
            }
        } finally {
            running = false;
            if (wrote) {
                channel.flush();
            }
        }
    }

    void clear() {
        controlReady.clear();
        bulkReady.clear();
    }
}
