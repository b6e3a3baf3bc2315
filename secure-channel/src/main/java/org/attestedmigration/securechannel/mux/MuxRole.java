package org.attestedmigration.securechannel.mux;

/** Which end of the connection a session is; it only decides stream id parity so both ends can open streams. */
public enum MuxRole {
    /** The side that connected: opens odd stream ids. */
    INITIATOR,
    /** The side that accepted: opens even stream ids. */
    RESPONDER
}
