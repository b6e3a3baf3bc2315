package org.attestedmigration.securechannel.mux;

/** Wire constants shared by encoder, decoder and documentation (docs/channel-protocol.md). */
final class FrameFormat {
    /** Length (4) + type (1) + flags (1) + reserved (2) + stream id (4). */
    static final int HEADER_SIZE = 12;
    static final int VERSION = 1;

    /** DATA: last frame of a message (CONTROL streams). */
    static final int FLAG_END_OF_MESSAGE = 0x01;
    /** PING: this is the answer (pong). */
    static final int FLAG_ACK = 0x01;

    /** Smallest maximum payload a peer may announce; OPEN frames never exceed it, so they fit before HELLO is seen. */
    static final int MIN_MAX_FRAME_PAYLOAD = 16 * 1024;
    static final int MAX_MAX_FRAME_PAYLOAD = 16 * 1024 * 1024;
    static final int MAX_WINDOW = Integer.MAX_VALUE;
    static final int MAX_REASON_BYTES = 1024;
    static final int MAX_METADATA_ENTRIES = 64;
    static final int MAX_METADATA_KEY_BYTES = 256;
    static final int MAX_METADATA_VALUE_BYTES = 4096;

    private FrameFormat() {
    }
}
