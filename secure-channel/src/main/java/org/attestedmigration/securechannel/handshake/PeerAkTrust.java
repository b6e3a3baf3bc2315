package org.attestedmigration.securechannel.handshake;

/**
 * Why this side trusted the peer's AK in a handshake. Whatever the reason, the peer's quote was
 * fresh: signed over this side's new nonce and the TLS key of this connection.
 */
public enum PeerAkTrust {
    /** The peer's TPM answered a credential challenge sealed to its certified EK in this handshake. */
    ACTIVATED,
    /**
     * The same AK of the same certified EK answered a credential challenge in an earlier handshake
     * with this endpoint, within the activation cache's lifetime; no challenge this time.
     */
    ACTIVATION_REUSED,
    /** The policy identifies the peer by this very AK (a pinned AK name): there is nothing to activate. */
    PINNED
}
