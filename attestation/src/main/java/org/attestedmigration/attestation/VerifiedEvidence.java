package org.attestedmigration.attestation;

import java.util.Optional;
import java.security.cert.X509Certificate;
import org.attestedmigration.attestation.eventlog.EventLog;
import org.attestedmigration.attestation.tpm2.PublicArea;

/**
 * Evidence that passed every check of a {@link Verifier}: the quoted PCR values (only those the
 * signature covers), the event log whose replay matches them, and the key that signed. A policy
 * decides from this whether the measured software is acceptable.
 */
public final class VerifiedEvidence {
    private final VerifiedQuote quote;
    private final EventLog eventLog;
    private final TrustedAttestationKey attestationKey;

    VerifiedEvidence(VerifiedQuote quote, EventLog eventLog, TrustedAttestationKey attestationKey) {
        this.quote = quote;
        this.eventLog = eventLog;
        this.attestationKey = attestationKey;
    }

    public VerifiedQuote quote() {
        return quote;
    }

    /** The quoted PCR values. */
    public PcrValues pcrs() {
        return quote.pcrs();
    }

    public EventLog eventLog() {
        return eventLog;
    }

    public PublicArea attestationKey() {
        return attestationKey.publicArea();
    }

    public TrustedAttestationKey.Basis trustBasis() {
        return attestationKey.basis();
    }

    public Optional<X509Certificate> ekCertificate() {
        return attestationKey.ekCertificate();
    }
}
