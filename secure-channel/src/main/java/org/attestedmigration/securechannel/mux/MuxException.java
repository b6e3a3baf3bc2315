package org.attestedmigration.securechannel.mux;

/** A stream or session ended before an operation could complete; carries the reason. */
public class MuxException extends Exception {
    private final transient CloseReason reason;

    public MuxException(CloseReason reason) {
        super(reason.toString());
        this.reason = reason;
    }

    /** Why the stream or session ended. */
    public CloseReason reason() {
        return reason;
    }
}
