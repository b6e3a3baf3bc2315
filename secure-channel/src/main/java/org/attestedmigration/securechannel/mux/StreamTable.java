package org.attestedmigration.securechannel.mux;

import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The session's live streams and the id rules: each side opens ids of its own parity, strictly increasing,
 * so an id not in the table is either closed (used before) or never opened, and the two are told apart
 * without remembering closed streams. Event-loop confined.
 */
final class StreamTable {
    private final IntObjectMap<MuxStream> streams = new IntObjectHashMap<>();
    private final Map<Integer, CompletableFuture<MuxStream>> opening = new HashMap<>();
    private final int localParity;
    private int nextLocalId;
    private int highestPeerId;
    private int inboundCount;

    StreamTable(MuxRole role) {
        this.localParity = role == MuxRole.INITIATOR ? 1 : 0;
        this.nextLocalId = role == MuxRole.INITIATOR ? 1 : 2;
    }

    /** The next id for a stream this side opens, or -1 when the 31-bit space is used up. */
    int allocateLocalId() {
        if (nextLocalId < 0) {
            return -1;
        }
        int id = nextLocalId;
        nextLocalId += 2;
        return id;
    }

    /** Checks and records the id of a peer's OPEN. */
    void claimPeerId(int id) throws MuxProtocolException {
        if (!isPeerId(id)) {
            throw MuxProtocolException.connection(ErrorCode.PROTOCOL_ERROR, "peer opened stream " + id + " with this side's parity");
        }
        if (id <= highestPeerId) {
            throw MuxProtocolException.connection(ErrorCode.PROTOCOL_ERROR, "OPEN reuses stream id " + id);
        }
        highestPeerId = id;
    }

    boolean isPeerId(int id) {
        return (id & 1) != localParity;
    }

    /** Whether an id not in the table was used before (closed) rather than never opened. */
    boolean wasUsed(int id) {
        return isPeerId(id) ? id <= highestPeerId : id < nextLocalId;
    }

    int highestPeerId() {
        return highestPeerId;
    }

    int inboundCount() {
        return inboundCount;
    }

    MuxStream get(int id) {
        return streams.get(id);
    }

    void addLocal(MuxStream s, CompletableFuture<MuxStream> opened) {
        streams.put(s.id(), s);
        opening.put(s.id(), opened);
    }

    void addInbound(MuxStream s) {
        streams.put(s.id(), s);
        inboundCount++;
    }

    /** The open future of a local stream, once; null when already taken. */
    CompletableFuture<MuxStream> takeOpening(int id) {
        return opening.remove(id);
    }

    /** Removes the stream; returns its open future if it was never completed. */
    CompletableFuture<MuxStream> remove(MuxStream s) {
        if (streams.remove(s.id()) != null && !s.isLocallyInitiated()) {
            inboundCount--;
        }
        return opening.remove(s.id());
    }

    List<MuxStream> snapshot() {
        return new ArrayList<>(streams.values());
    }
}
