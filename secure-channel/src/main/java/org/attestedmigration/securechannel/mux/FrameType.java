package org.attestedmigration.securechannel.mux;

/** Frame types of the multiplexing protocol; codes are the on-wire values (see docs/channel-protocol.md). */
public enum FrameType {
    HELLO(0x01),
    OPEN(0x02),
    ACCEPT(0x03),
    DATA(0x04),
    WINDOW_UPDATE(0x05),
    CLOSE(0x06),
    RESET(0x07),
    PING(0x08),
    GOAWAY(0x09);

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;

    FrameType(int code) {
        this.code = code;
    }

    /** The on-wire code. */
    public int code() {
        return code;
    }

    /** The type for a wire code, or null when the code is not defined. */
    public static FrameType fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
