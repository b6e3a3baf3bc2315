package org.attestedmigration.attestation.txt;

import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.eventlog.EventType;
import org.attestedmigration.attestation.eventlog.TcgEvent;

/**
 * One step of an emulated measured launch: what to do to the TPM and what the log says about it.
 *
 * @param pcrIndex     PCR extended
 * @param locality     TPM locality the step runs at (4 hardware, 3 SINIT ACM, 2 tboot)
 * @param kind         DRTM hash sequence or ordinary extend
 * @param eventType    logged event type
 * @param description  short human-readable name, for logs and errors
 * @param digests      digest per bank; for the hash sequence this is what the TPM will compute, H_bank(data)
 * @param eventData    logged event data
 * @param sequenceData for {@link MeasurementKind#DRTM_HASH_SEQUENCE} the bytes to send through the
 *                     hash sequence (the SINIT ACM); empty for an extend
 */
public record LaunchMeasurement(int pcrIndex, int locality, MeasurementKind kind, int eventType, String description,
        Map<HashAlgorithm, byte[]> digests, byte[] eventData, byte[] sequenceData) {

    public LaunchMeasurement {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(description, "description");
        if (locality < 0 || locality > 4) {
            throw new IllegalArgumentException("locality " + locality + " is outside 0..4");
        }
        if (kind == MeasurementKind.PCR_EXTEND && sequenceData.length != 0) {
            throw new IllegalArgumentException("an extend has no hash-sequence data");
        }
        // Validates PCR index and digest sizes in one place and gives us defensive copies.
        TcgEvent asEvent = new TcgEvent(pcrIndex, eventType, digests, eventData);
        digests = Collections.unmodifiableMap(new EnumMap<>(asEvent.digests()));
        eventData = asEvent.eventData();
        sequenceData = sequenceData.clone();
    }

    /** A copy; mutating it does not affect this measurement. */
    @Override
    public Map<HashAlgorithm, byte[]> digests() {
        return toEvent().digests();
    }

    public byte[] digest(HashAlgorithm bank) {
        byte[] d = digests.get(bank);
        if (d == null) {
            throw new IllegalArgumentException("no " + bank.bankName() + " digest in this measurement");
        }
        return d.clone();
    }

    @Override
    public byte[] eventData() {
        return eventData.clone();
    }

    @Override
    public byte[] sequenceData() {
        return sequenceData.clone();
    }

    /** The log record for this step. */
    public TcgEvent toEvent() {
        return new TcgEvent(pcrIndex, eventType, digests, eventData);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LaunchMeasurement m && locality == m.locality && kind == m.kind
                && description.equals(m.description) && toEvent().equals(m.toEvent())
                && Arrays.equals(sequenceData, m.sequenceData);
    }

    @Override
    public int hashCode() {
        return Objects.hash(locality, kind, description, toEvent()) * 31 + Arrays.hashCode(sequenceData);
    }

    @Override
    public String toString() {
        return "LaunchMeasurement[pcr=" + pcrIndex + ", locality=" + locality + ", " + kind + ", "
                + EventType.nameOf(eventType) + ", " + description + "]";
    }
}
