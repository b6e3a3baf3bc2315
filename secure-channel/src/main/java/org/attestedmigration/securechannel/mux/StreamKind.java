package org.attestedmigration.securechannel.mux;

/** What a stream carries; decides scheduling priority and which acceptor handles it on the peer. */
public enum StreamKind {
    /** Typed JSON control messages; its frames are sent before any other stream's. */
    CONTROL(1),
    /** Bulk bytes (disk blocks, memory pages). */
    BYTES(2),
    /** A forwarded TCP connection; metadata names the target. */
    PORT_FORWARD(3),
    /** A remote command's stdin/stdout; metadata names the command. */
    STDIO(4);

    private final int code;

    StreamKind(int code) {
        this.code = code;
    }

    /** The on-wire code. */
    public int code() {
        return code;
    }

    /** The kind for a wire code, or null when the code is not defined. */
    public static StreamKind fromCode(int code) {
        for (StreamKind k : values()) {
            if (k.code == code) {
                return k;
            }
        }
        return null;
    }
}
