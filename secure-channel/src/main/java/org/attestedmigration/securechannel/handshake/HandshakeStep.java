package org.attestedmigration.securechannel.handshake;

/** The steps of the attested handshake, in order; a failure names the one it happened in. */
public enum HandshakeStep {
    /** TCP connect (or accept) and the TLS 1.3 handshake. */
    TLS,
    /** Both HELLOs (nonce, role, keys) and the screening of the peer's. */
    HELLO,
    /** Both sides' quotes, each preceded by a credential challenge when the peer's AK needs activation. */
    EVIDENCE,
    /** The credential answers, when either side challenged. */
    CREDENTIAL_ANSWER,
    /** Verification of the peer's evidence, the policy, and both verdicts. */
    VERDICT
}
