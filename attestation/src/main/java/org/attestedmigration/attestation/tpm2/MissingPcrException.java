package org.attestedmigration.attestation.tpm2;

import org.attestedmigration.attestation.AttestationException;

/** A PCR that a selection names has no value in the PCR values at hand. */
public class MissingPcrException extends AttestationException {
    public MissingPcrException(String message) {
        super(message);
    }
}
