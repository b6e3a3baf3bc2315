package org.attestedmigration.attestation;

import java.util.List;
import org.attestedmigration.attestation.tpm2.Attestation;

/**
 * A quote whose signature, nonce and PCR digest checked out. {@link #pcrs()} holds only the PCR
 * values the signed digest covers; values a prover reported beyond the quote are dropped.
 */
public record VerifiedQuote(Attestation attestation, List<PcrSelection> selections, PcrValues pcrs) {
    public VerifiedQuote {
        selections = List.copyOf(selections);
    }
}
