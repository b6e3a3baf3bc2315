package org.attestedmigration.attestation.eventlog;

import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.PcrSelection;

/**
 * One TCG_PCR_EVENT2 record: the PCR it was extended into, its 32-bit event type, one digest per
 * PCR bank and the event data. Immutable: arrays are copied in and out, and equality compares
 * contents.
 *
 * @param pcrIndex  0..23
 * @param eventType raw 32-bit type (see {@link EventType} for names); unsigned on the wire
 * @param digests   the digest extended into each bank; each must have the bank's digest length
 * @param eventData informational data the digest may or may not cover, depending on the type
 */
public record TcgEvent(int pcrIndex, int eventType, Map<HashAlgorithm, byte[]> digests, byte[] eventData) {

    public TcgEvent {
        if (pcrIndex < 0 || pcrIndex >= PcrSelection.PCR_COUNT) {
            throw new IllegalArgumentException("PCR index " + pcrIndex + " is outside 0.." + (PcrSelection.PCR_COUNT - 1));
        }
        Objects.requireNonNull(digests, "digests");
        Objects.requireNonNull(eventData, "eventData");
        EnumMap<HashAlgorithm, byte[]> copy = new EnumMap<>(HashAlgorithm.class);
        for (var e : digests.entrySet()) {
            HashAlgorithm bank = Objects.requireNonNull(e.getKey(), "digest bank");
            byte[] d = Objects.requireNonNull(e.getValue(), "digest");
            if (d.length != bank.digestLength()) {
                throw new IllegalArgumentException(bank.bankName() + " digest has " + d.length
                        + " bytes, expected " + bank.digestLength());
            }
            copy.put(bank, d.clone());
        }
        digests = Collections.unmodifiableMap(copy);
        eventData = eventData.clone();
    }

    /** An event whose digest in every bank is H_bank(eventData), the common "measure the data" case. */
    public static TcgEvent measuring(int pcrIndex, int eventType, Iterable<HashAlgorithm> banks, byte[] eventData) {
        EnumMap<HashAlgorithm, byte[]> d = new EnumMap<>(HashAlgorithm.class);
        for (HashAlgorithm b : banks) {
            d.put(b, b.digest(eventData));
        }
        return new TcgEvent(pcrIndex, eventType, d, eventData);
    }

    /** A fresh copy; mutating it does not affect this event. */
    @Override
    public Map<HashAlgorithm, byte[]> digests() {
        EnumMap<HashAlgorithm, byte[]> copy = new EnumMap<>(HashAlgorithm.class);
        digests.forEach((k, v) -> copy.put(k, v.clone()));
        return copy;
    }

    public Optional<byte[]> digest(HashAlgorithm bank) {
        byte[] d = digests.get(bank);
        return d == null ? Optional.empty() : Optional.of(d.clone());
    }

    @Override
    public byte[] eventData() {
        return eventData.clone();
    }

    public int eventDataLength() {
        return eventData.length;
    }

    /** Whether a verifier must extend this event's digest; EV_NO_ACTION events are informational. */
    public boolean isExtended() {
        return eventType != EventType.EV_NO_ACTION.code();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TcgEvent other) || pcrIndex != other.pcrIndex || eventType != other.eventType
                || !Arrays.equals(eventData, other.eventData) || !digests.keySet().equals(other.digests.keySet())) {
            return false;
        }
        for (var e : digests.entrySet()) {
            if (!Arrays.equals(e.getValue(), other.digests.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 31 * pcrIndex + eventType;
        for (var e : digests.entrySet()) {
            h = 31 * h + e.getKey().hashCode() ^ Arrays.hashCode(e.getValue());
        }
        return 31 * h + Arrays.hashCode(eventData);
    }

    @Override
    public String toString() {
        HexFormat hex = HexFormat.of();
        StringBuilder sb = new StringBuilder("TcgEvent[pcr=").append(pcrIndex).append(", type=")
                .append(EventType.nameOf(eventType));
        digests.forEach((k, v) -> sb.append(", ").append(k.bankName()).append('=').append(hex.formatHex(v)));
        return sb.append(", data=").append(eventData.length).append(" bytes]").toString();
    }
}
