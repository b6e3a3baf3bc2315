package org.attestedmigration.securechannel.mux;

/**
 * Decides about streams the peer opens. Called on the event loop; it must not block, but it may keep the
 * {@link IncomingStream} and accept or reject it later from any thread (e.g. after connecting somewhere).
 */
@FunctionalInterface
public interface StreamAcceptor {

    void onOpen(IncomingStream incoming);

    /** An acceptor that refuses everything, for sessions that only open streams. */
    static StreamAcceptor rejectAll() {
        return in -> in.reject(ErrorCode.REFUSED, "this side accepts no streams");
    }
}
