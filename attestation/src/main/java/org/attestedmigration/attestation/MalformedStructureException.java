package org.attestedmigration.attestation;

/**
 * A TPM structure, event log or related encoding that does not parse: wrong size, value out of
 * range, truncated, trailing bytes. The message names the structure and the field.
 */
public class MalformedStructureException extends AttestationException {
    public MalformedStructureException(String message) {
        super(message);
    }

    public MalformedStructureException(String message, Throwable cause) {
        super(message, cause);
    }
}
