package org.attestedmigration.attestation.credential;

import org.attestedmigration.attestation.AttestationException;

/**
 * A credential cannot be made for the given endorsement key: unsupported key type, size or curve,
 * or a cryptographic primitive that the Java runtime refuses.
 */
public class CredentialException extends AttestationException {
    public CredentialException(String message) {
        super(message);
    }

    public CredentialException(String message, Throwable cause) {
        super(message, cause);
    }
}
