package org.attestedmigration.attestation.eventlog;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.MalformedStructureException;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.PcrValues;

/**
 * An immutable TCG crypto-agile event log (TCG PC Client Platform Firmware Profile, "Spec ID
 * Event03" format), as tpm2-tools' {@code tpm2_eventlog} and the Linux kernel read it.
 *
 * <p>Wire format, all integers little-endian: first a SHA1-format TCG_PCClientPCREvent (PCR 0,
 * EV_NO_ACTION, 20 zero bytes) whose data is a TCG_EfiSpecIDEvent declaring the digest algorithms
 * and their sizes; then TCG_PCR_EVENT2 records: pcrIndex u32, eventType u32, TPML_DIGEST_VALUES
 * (count u32, then per digest hashAlg u16 and the digest), eventSize u32, event data.
 *
 * <p>{@link #parse} is strict because its input comes from the attested host: any truncation,
 * trailing bytes, undeclared or repeated digest algorithm, missing bank, PCR index above 23,
 * event data above {@value #MAX_EVENT_DATA} bytes or more than {@value #MAX_EVENTS} events is a
 * {@link MalformedStructureException} naming the event index, field and byte offset. Algorithms
 * the header declares but this project does not know (e.g. SM3) are skipped by their declared
 * size and do not appear in {@link #banks()}.
 */
public final class EventLog {
    /** Largest event data accepted; real TXT and firmware events are far smaller. */
    public static final int MAX_EVENT_DATA = 1 << 20;
    /** Most events accepted; bounds memory when the input is hostile. */
    public static final int MAX_EVENTS = 100_000;

    static final byte[] SPEC_ID_SIGNATURE = "Spec ID Event03\0".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_ALGORITHMS = 16;
    private static final int MAX_UNKNOWN_DIGEST = 64;
    private static final int SHA1_LEGACY_DIGEST = 20;

    private final SortedSet<HashAlgorithm> banks;
    private final List<TcgEvent> events;

    private EventLog(SortedSet<HashAlgorithm> banks, List<TcgEvent> events) {
        this.banks = Collections.unmodifiableSortedSet(banks);
        this.events = List.copyOf(events);
    }

    /** A builder whose events must carry a digest for exactly these banks. */
    public static Builder builder(Collection<HashAlgorithm> banks) {
        return new Builder(banks);
    }

    public static Builder builder(HashAlgorithm... banks) {
        return new Builder(Arrays.asList(banks));
    }

    /** The PCR banks every event carries a digest for, as declared in the Spec ID header. */
    public SortedSet<HashAlgorithm> banks() {
        return banks;
    }

    /** Events after the Spec ID header, in log order. */
    public List<TcgEvent> events() {
        return events;
    }

    public int size() {
        return events.size();
    }

    /** Events of one PCR in log order, EV_NO_ACTION ones included. */
    public List<TcgEvent> eventsFor(int pcrIndex) {
        List<TcgEvent> out = new ArrayList<>();
        for (TcgEvent e : events) {
            if (e.pcrIndex() == pcrIndex) {
                out.add(e);
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** All events grouped by PCR, each list in log order. */
    public SortedMap<Integer, List<TcgEvent>> eventsByPcr() {
        SortedMap<Integer, List<TcgEvent>> out = new TreeMap<>();
        for (TcgEvent e : events) {
            out.computeIfAbsent(e.pcrIndex(), k -> new ArrayList<>()).add(e);
        }
        out.replaceAll((k, v) -> Collections.unmodifiableList(v));
        return Collections.unmodifiableSortedMap(out);
    }

    /** PCRs that at least one extended (non EV_NO_ACTION) event touches. */
    public SortedSet<Integer> extendedPcrs() {
        SortedSet<Integer> out = new TreeSet<>();
        for (TcgEvent e : events) {
            if (e.isExtended()) {
                out.add(e.pcrIndex());
            }
        }
        return Collections.unmodifiableSortedSet(out);
    }

    /**
     * Replays the log in one bank: every PCR in {@link #extendedPcrs()} starts at zero and is
     * extended with each of its events' digests in order. Starting from zero matches the DRTM PCRs
     * (17-22) after a dynamic launch reset them; PCRs whose real start value differs (PCR 0 with a
     * startup locality other than 0) are not modelled.
     *
     * @throws IllegalArgumentException if the log has no digests for {@code bank}
     */
    public PcrValues replay(HashAlgorithm bank) {
        return replay(new PcrSelection(bank, extendedPcrs()));
    }

    /**
     * Replays only the selected PCRs; a selected PCR that no event extends comes out all-zero.
     *
     * @throws IllegalArgumentException if the log has no digests for the selection's bank
     */
    public PcrValues replay(PcrSelection selection) {
        HashAlgorithm bank = selection.bank();
        if (!banks.contains(bank)) {
            throw new IllegalArgumentException("event log has no " + bank.bankName() + " digests; banks: " + banks);
        }
        Map<Integer, byte[]> values = new TreeMap<>();
        for (int pcr : selection.pcrs()) {
            values.put(pcr, new byte[bank.digestLength()]);
        }
        for (TcgEvent e : events) {
            byte[] current = values.get(e.pcrIndex());
            if (current != null && e.isExtended()) {
                values.put(e.pcrIndex(), bank.extend(current, e.digest(bank).orElseThrow()));
            }
        }
        PcrValues.Builder b = PcrValues.builder();
        values.forEach((pcr, v) -> b.put(bank, pcr, v));
        return b.build();
    }

    /** {@link #replay(HashAlgorithm)} for every bank of the log, in one value. */
    public PcrValues replayAll() {
        PcrValues.Builder b = PcrValues.builder();
        for (HashAlgorithm bank : banks) {
            PcrValues one = replay(bank);
            for (int pcr : one.indices(bank)) {
                b.put(bank, pcr, one.get(bank, pcr).orElseThrow());
            }
        }
        return b.build();
    }

    /** Writes the log in the crypto-agile format, with a Spec ID header declaring {@link #banks()}. */
    public byte[] encode() {
        LeWriter w = new LeWriter();
        LeWriter spec = new LeWriter()
                .bytes(SPEC_ID_SIGNATURE)
                .u32(0) // platformClass: client
                .u8(0).u8(2).u8(0) // spec version 2.0, errata 0
                .u8(2) // uintnSize: UINT64
                .u32(banks.size());
        for (HashAlgorithm b : banks) {
            spec.u16(b.tpmAlgId()).u16(b.digestLength());
        }
        spec.u8(0); // no vendor info
        byte[] specBytes = spec.toByteArray();
        w.u32(0).u32(EventType.EV_NO_ACTION.code()).bytes(new byte[SHA1_LEGACY_DIGEST]).u32(specBytes.length).bytes(specBytes);
        for (TcgEvent e : events) {
            w.u32(e.pcrIndex()).u32(e.eventType() & 0xFFFFFFFFL).u32(banks.size());
            for (HashAlgorithm b : banks) {
                w.u16(b.tpmAlgId()).bytes(e.digest(b).orElseThrow());
            }
            w.u32(e.eventDataLength()).bytes(e.eventData());
        }
        return w.toByteArray();
    }

    /**
     * Parses a crypto-agile log strictly; see the class description for what is rejected.
     *
     * @throws MalformedStructureException naming the structure, field, event index and byte offset
     */
    public static EventLog parse(byte[] log) throws MalformedStructureException {
        Objects.requireNonNull(log, "log");
        LeReader r = new LeReader(log);
        Map<Integer, Integer> declared = parseHeader(r);
        SortedSet<HashAlgorithm> banks = new TreeSet<>();
        for (int id : declared.keySet()) {
            HashAlgorithm.fromTpmAlgId(id).ifPresent(banks::add);
        }
        List<TcgEvent> events = new ArrayList<>();
        while (r.remaining() > 0) {
            int index = events.size();
            r.structure("event #" + index + " (TCG_PCR_EVENT2)");
            if (index >= MAX_EVENTS) {
                throw r.error("pcrIndex", "more than " + MAX_EVENTS + " events");
            }
            events.add(parseEvent(r, declared));
        }
        return new EventLog(banks, events);
    }

    /** Reads the SHA1-format header event; returns declared algorithm id to digest size, in header order. */
    private static Map<Integer, Integer> parseHeader(LeReader r) throws MalformedStructureException {
        r.structure("header (TCG_PCClientPCREvent)");
        int at = r.position();
        long pcr = r.u32("pcrIndex");
        if (pcr != 0) {
            throw r.error("pcrIndex", at, "is " + pcr + ", the Spec ID header event must be in PCR 0");
        }
        at = r.position();
        long type = r.u32("eventType");
        if (type != EventType.EV_NO_ACTION.code()) {
            throw r.error("eventType", at, String.format("is 0x%x, the Spec ID header event must be EV_NO_ACTION", type));
        }
        at = r.position();
        byte[] digest = r.bytes("digest", SHA1_LEGACY_DIGEST);
        if (!Arrays.equals(digest, new byte[SHA1_LEGACY_DIGEST])) {
            throw r.error("digest", at, "must be 20 zero bytes");
        }
        at = r.position();
        long eventSize = r.u32("eventSize");
        if (eventSize > r.remaining()) {
            throw r.error("eventSize", at, eventSize + " exceeds the " + r.remaining() + " bytes left");
        }
        int specStart = r.position();

        r.structure("header (TCG_EfiSpecIDEvent)");
        at = r.position();
        byte[] signature = r.bytes("signature", SPEC_ID_SIGNATURE.length);
        if (!Arrays.equals(signature, SPEC_ID_SIGNATURE)) {
            throw r.error("signature", at, "is not \"Spec ID Event03\\0\" (not a crypto-agile log)");
        }
        r.u32("platformClass");
        r.u8("specVersionMinor");
        at = r.position();
        int major = r.u8("specVersionMajor");
        if (major != 2) {
            throw r.error("specVersionMajor", at, "is " + major + ", expected 2");
        }
        r.u8("specErrata");
        at = r.position();
        int uintnSize = r.u8("uintnSize");
        if (uintnSize != 1 && uintnSize != 2) {
            throw r.error("uintnSize", at, "is " + uintnSize + ", expected 1 or 2");
        }
        at = r.position();
        long count = r.u32("numberOfAlgorithms");
        if (count < 1 || count > MAX_ALGORITHMS) {
            throw r.error("numberOfAlgorithms", at, "is " + count + ", expected 1.." + MAX_ALGORITHMS);
        }
        Map<Integer, Integer> declared = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            at = r.position();
            int alg = r.u16("digestSizes[" + i + "].algorithmId");
            int size = r.u16("digestSizes[" + i + "].digestSize");
            if (declared.containsKey(alg)) {
                throw r.error("digestSizes[" + i + "].algorithmId", at, String.format("algorithm 0x%04x declared twice", alg));
            }
            Optional<HashAlgorithm> known = HashAlgorithm.fromTpmAlgId(alg);
            if (known.isPresent() ? size != known.get().digestLength() : size < 1 || size > MAX_UNKNOWN_DIGEST) {
                throw r.error("digestSizes[" + i + "].digestSize", at + 2,
                        String.format("size %d is wrong for algorithm 0x%04x", size, alg));
            }
            declared.put(alg, size);
        }
        if (declared.keySet().stream().noneMatch(id -> HashAlgorithm.fromTpmAlgId(id).isPresent())) {
            throw r.error("digestSizes", "declares no supported algorithm (sha1, sha256, sha384, sha512)");
        }
        int vendorSize = r.u8("vendorInfoSize");
        r.bytes("vendorInfo", vendorSize);
        int consumed = r.position() - specStart;
        if (consumed != eventSize) {
            throw r.error("eventSize", specStart - 4, "is " + eventSize + " but the Spec ID event is " + consumed + " bytes");
        }
        return declared;
    }

    private static TcgEvent parseEvent(LeReader r, Map<Integer, Integer> declared) throws MalformedStructureException {
        int at = r.position();
        long pcr = r.u32("pcrIndex");
        if (pcr >= PcrSelection.PCR_COUNT) {
            throw r.error("pcrIndex", at, "is " + pcr + ", expected 0.." + (PcrSelection.PCR_COUNT - 1));
        }
        int type = (int) r.u32("eventType");
        at = r.position();
        long count = r.u32("digests.count");
        if (count != declared.size()) {
            throw r.error("digests.count", at, "is " + count + ", the header declares " + declared.size() + " algorithms");
        }
        EnumMap<HashAlgorithm, byte[]> digests = new EnumMap<>(HashAlgorithm.class);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < count; i++) {
            String field = "digests[" + i + "]";
            at = r.position();
            int alg = r.u16(field + ".hashAlg");
            Integer size = declared.get(alg);
            if (size == null) {
                throw r.error(field + ".hashAlg", at, String.format("algorithm 0x%04x is not declared in the header", alg));
            }
            if (!seen.add(alg)) {
                throw r.error(field + ".hashAlg", at, String.format("algorithm 0x%04x appears twice", alg));
            }
            byte[] digest = r.bytes(field + ".digest", size);
            HashAlgorithm.fromTpmAlgId(alg).ifPresent(a -> digests.put(a, digest));
        }
        at = r.position();
        long size = r.u32("eventSize");
        if (size > MAX_EVENT_DATA) {
            throw r.error("eventSize", at, size + " exceeds the limit of " + MAX_EVENT_DATA);
        }
        if (size > r.remaining()) {
            throw r.error("eventSize", at, size + " exceeds the " + r.remaining() + " bytes left");
        }
        byte[] data = r.bytes("event", (int) size);
        return new TcgEvent((int) pcr, type, digests, data);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EventLog other && banks.equals(other.banks) && events.equals(other.events);
    }

    @Override
    public int hashCode() {
        return 31 * banks.hashCode() + events.hashCode();
    }

    @Override
    public String toString() {
        return "EventLog[banks=" + banks + ", " + events.size() + " events]";
    }

    /** Collects events for a new log; every event must carry exactly the builder's banks. */
    public static final class Builder {
        private final SortedSet<HashAlgorithm> banks;
        private final List<TcgEvent> events = new ArrayList<>();

        private Builder(Collection<HashAlgorithm> banks) {
            if (banks.isEmpty()) {
                throw new IllegalArgumentException("an event log needs at least one bank");
            }
            this.banks = new TreeSet<>(EnumSet.copyOf(banks));
        }

        /** @throws IllegalArgumentException if the event's banks differ from the log's or a limit is exceeded */
        public Builder add(TcgEvent event) {
            if (!event.digests().keySet().equals(banks)) {
                throw new IllegalArgumentException("event has digests for " + event.digests().keySet()
                        + " but the log's banks are " + banks);
            }
            if (event.eventDataLength() > MAX_EVENT_DATA) {
                throw new IllegalArgumentException("event data of " + event.eventDataLength() + " bytes exceeds " + MAX_EVENT_DATA);
            }
            if (events.size() >= MAX_EVENTS) {
                throw new IllegalArgumentException("an event log holds at most " + MAX_EVENTS + " events");
            }
            events.add(event);
            return this;
        }

        public Builder addAll(Iterable<TcgEvent> more) {
            for (TcgEvent e : more) {
                add(e);
            }
            return this;
        }

        public EventLog build() {
            return new EventLog(banks, events);
        }
    }
}
