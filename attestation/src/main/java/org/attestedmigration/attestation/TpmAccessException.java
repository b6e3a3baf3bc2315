package org.attestedmigration.attestation;

/** The TPM could not be reached, or it refused a command; the message names the command and the TPM's response code. */
public class TpmAccessException extends AttestationException {
    public TpmAccessException(String message) {
        super(message);
    }

    public TpmAccessException(String message, Throwable cause) {
        super(message, cause);
    }
}
