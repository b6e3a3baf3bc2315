package org.attestedmigration.securechannel.handshake;

/** The steps of the attested handshake, in order; a failure names the one it happened in. */
public enum HandshakeStep {
    TLS,
    HELLO,
    ATTESTATION_KEYS,
    CREDENTIAL_CHALLENGE,
    CREDENTIAL_ANSWER,
    EVIDENCE,
    VERDICT
}
