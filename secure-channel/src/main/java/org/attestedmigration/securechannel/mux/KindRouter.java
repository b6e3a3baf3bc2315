package org.attestedmigration.securechannel.mux;

import java.util.EnumMap;
import java.util.Map;

/** Hands each incoming stream to the acceptor for its kind; kinds without one are refused. */
public final class KindRouter implements StreamAcceptor {
    private final Map<StreamKind, StreamAcceptor> byKind;

    public KindRouter(Map<StreamKind, StreamAcceptor> byKind) {
        this.byKind = new EnumMap<>(byKind);
    }

    @Override
    public void onOpen(IncomingStream in) {
        StreamAcceptor a = byKind.get(in.kind());
        if (a == null) {
            in.reject(ErrorCode.REFUSED, "no service for " + in.kind() + " streams");
        } else {
            a.onOpen(in);
        }
    }
}
