package org.attestedmigration.attestation.tpm2;

import org.attestedmigration.attestation.AttestationException;

/** A signature was presented with a key of the wrong type (an ECDSA signature and an RSA key, say). */
public class SignatureKeyMismatchException extends AttestationException {
    public SignatureKeyMismatchException(String message) {
        super(message);
    }
}
