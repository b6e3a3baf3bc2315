package org.attestedmigration.securechannel.handshake;

import java.util.Objects;

/**
 * The attested handshake failed and the connection was closed. {@link #step()} names where,
 * {@link #failure()} what kind of failure it was.
 */
public class HandshakeException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Kinds of handshake failure. */
    public enum Failure {
        /** TCP connect or the TLS 1.3 handshake failed (e.g. a TLS 1.2-only peer). */
        TLS,
        /** The peer did not send the next message within the step timeout. */
        TIMEOUT,
        /** A malformed, oversized, unexpected or out-of-order frame. */
        PROTOCOL_VIOLATION,
        /** The peer closed the connection. */
        CONNECTION_CLOSED,
        /** This host's own TPM failed. */
        TPM,
        /** A verdict rejected the attestation; see {@link AttestationRejectedException}. */
        REJECTED
    }

    private final HandshakeStep step;
    private final Failure failure;

    public HandshakeException(HandshakeStep step, Failure failure, String message) {
        this(step, failure, message, null);
    }

    public HandshakeException(HandshakeStep step, Failure failure, String message, Throwable cause) {
        super(step + ": " + message, cause);
        this.step = Objects.requireNonNull(step, "step");
        this.failure = Objects.requireNonNull(failure, "failure");
    }

    public HandshakeStep step() {
        return step;
    }

    public Failure failure() {
        return failure;
    }
}
