package org.attestedmigration.attestation;

import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.Optional;

/**
 * What a host presents to prove what it booted: a quote and its signature, the PCR values it
 * claims the quote covers, the attestation key's and endorsement key's public areas, the EK
 * certificate (if the TPM has one) and the measured-launch event log. Nothing here is trusted
 * until a {@link Verifier} has checked it.
 */
public final class Evidence {
    private final Quote quote;
    private final PcrValues pcrValues;
    private final byte[] akPublicArea;
    private final byte[] ekPublicArea;
    private final X509Certificate ekCertificate;
    private final byte[] eventLog;

    /**
     * @param ekPublicArea  the EK's TPMT_PUBLIC, or an empty array when unknown
     * @param ekCertificate null when the TPM holds no EK certificate
     * @param eventLog      the TCG crypto-agile event log, or an empty array when there is none
     */
    public Evidence(Quote quote, PcrValues pcrValues, byte[] akPublicArea, byte[] ekPublicArea,
            X509Certificate ekCertificate, byte[] eventLog) {
        this.quote = Objects.requireNonNull(quote, "quote");
        this.pcrValues = Objects.requireNonNull(pcrValues, "pcrValues");
        this.akPublicArea = akPublicArea.clone();
        this.ekPublicArea = ekPublicArea.clone();
        this.ekCertificate = ekCertificate;
        this.eventLog = eventLog.clone();
    }

    public Quote quote() {
        return quote;
    }

    public PcrValues pcrValues() {
        return pcrValues;
    }

    /** The AK's TPMT_PUBLIC. */
    public byte[] akPublicArea() {
        return akPublicArea.clone();
    }

    /** The EK's TPMT_PUBLIC; empty when unknown. */
    public byte[] ekPublicArea() {
        return ekPublicArea.clone();
    }

    public Optional<X509Certificate> ekCertificate() {
        return Optional.ofNullable(ekCertificate);
    }

    /** The measured-launch event log; empty when there is none. */
    public byte[] eventLog() {
        return eventLog.clone();
    }
}
