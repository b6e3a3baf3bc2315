package org.attestedmigration.attestation.eventlog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.MalformedStructureException;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.PcrValues;
import org.junit.jupiter.api.Test;

class EventLogTest {
    private static final List<HashAlgorithm> TWO_BANKS = List.of(HashAlgorithm.SHA1, HashAlgorithm.SHA256);
    /** Header event for two banks: 32 bytes of TCG_PCClientPCREvent + 29 + 4 per algorithm of Spec ID. */
    private static final int FIRST_EVENT = 32 + 29 + 8;

    private static EventLog sample() {
        return EventLog.builder(TWO_BANKS)
                .add(TcgEvent.measuring(17, EventType.TXT_HASH_START.code(), TWO_BANKS, bytes("sinit")))
                .add(TcgEvent.measuring(0, EventType.EV_NO_ACTION.code(), TWO_BANKS, bytes("StartupLocality")))
                .add(TcgEvent.measuring(18, EventType.EV_EFI_ACTION.code(), TWO_BANKS, new byte[0]))
                .add(TcgEvent.measuring(17, EventType.TBOOT_MEASUREMENT.code(), TWO_BANKS, bytes("module")))
                .build();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Test
    void parseOfEncodeRoundTrips() throws Exception {
        EventLog log = sample();
        EventLog back = EventLog.parse(log.encode());
        assertEquals(log, back);
        assertEquals(log.banks(), back.banks());
        assertArrayEquals(log.encode(), back.encode());
        assertEquals(EventType.EV_EFI_ACTION.code(), back.events().get(2).eventType());
    }

    @Test
    void roundTripsEveryBankAndAnEmptyLog() throws Exception {
        List<HashAlgorithm> all = List.of(HashAlgorithm.values());
        EventLog log = EventLog.builder(all)
                .add(TcgEvent.measuring(23, 0xFFFFFFFF, all, new byte[300]))
                .build();
        assertEquals(log, EventLog.parse(log.encode()));
        EventLog empty = EventLog.builder(HashAlgorithm.SHA256).build();
        assertEquals(empty, EventLog.parse(empty.encode()));
        assertEquals(0, EventLog.parse(empty.encode()).size());
    }

    @Test
    void everyTruncationIsMalformedExceptAtRecordBoundaries() throws Exception {
        EventLog log = sample();
        byte[] full = log.encode();
        // A cut exactly between records is a valid shorter log: it must parse to that prefix.
        java.util.Map<Integer, Integer> boundaries = new java.util.HashMap<>();
        int at = FIRST_EVENT;
        boundaries.put(at, 0);
        for (int i = 0; i < log.size(); i++) {
            at += 12 + (2 + 20) + (2 + 32) + 4 + log.events().get(i).eventDataLength();
            boundaries.put(at, i + 1);
        }
        assertEquals(full.length, at);
        for (int len = 0; len < full.length; len++) {
            byte[] cut = Arrays.copyOf(full, len);
            if (boundaries.containsKey(len)) {
                assertEquals(log.events().subList(0, boundaries.get(len)), EventLog.parse(cut).events());
                continue;
            }
            MalformedStructureException e = assertThrows(MalformedStructureException.class, () -> EventLog.parse(cut),
                    "length " + len);
            assertTrue(e.getMessage().contains("byte offset"), e.getMessage());
            if (len > FIRST_EVENT) {
                assertTrue(e.getMessage().contains("event #"), e.getMessage());
            }
        }
    }

    @Test
    void randomCorruptionNeverEscapesAsUncheckedException() {
        byte[] full = sample().encode();
        Random rnd = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] bad = full.clone();
            for (int k = 0; k <= rnd.nextInt(4); k++) {
                bad[rnd.nextInt(bad.length)] = (byte) rnd.nextInt(256);
            }
            try {
                EventLog.parse(bad);
            } catch (MalformedStructureException expected) {
                // fine: rejected with the checked exception
            }
        }
    }

    @Test
    void hostileEventSizeIsRejectedByName() {
        byte[] log = sample().encode();
        int eventSizeAt = FIRST_EVENT + 4 + 4 + 4 + (2 + 20) + (2 + 32);
        putU32(log, eventSizeAt, 0xFFFFFFFFL);
        assertMalformed(log, "event #0", "eventSize");
        putU32(log, eventSizeAt, EventLog.MAX_EVENT_DATA + 1L);
        assertMalformed(log, "event #0", "exceeds the limit");
    }

    @Test
    void hostileCountsAndIndicesAreRejected() {
        byte[] log = sample().encode();
        putU32(log, FIRST_EVENT, 24);
        assertMalformed(log, "event #0", "pcrIndex");

        log = sample().encode();
        putU32(log, FIRST_EVENT + 8, 0xFFFFFFF0L);
        assertMalformed(log, "event #0", "digests.count");

        log = sample().encode();
        putU32(log, 56, 0x7FFFFFFF);
        assertMalformed(log, "header", "numberOfAlgorithms");
    }

    @Test
    void undeclaredAndRepeatedAlgorithmsAreRejected() {
        byte[] log = sample().encode();
        putU16(log, FIRST_EVENT + 12, HashAlgorithm.SHA384.tpmAlgId());
        assertMalformed(log, "event #0", "not declared");

        log = sample().encode();
        putU16(log, FIRST_EVENT + 12 + 22, HashAlgorithm.SHA1.tpmAlgId());
        assertMalformed(log, "event #0", "digests[1].hashAlg");
    }

    @Test
    void badHeaderIsRejected() {
        byte[] log = sample().encode();
        log[40] = 'X';
        assertMalformed(log, "header", "signature");

        log = sample().encode();
        putU32(log, 28, 36);
        assertMalformed(log, "header", "eventSize");

        log = sample().encode();
        putU16(log, 62, 33); // sha1 declared with a sha256 size
        assertMalformed(log, "header", "digestSize");

        log = sample().encode();
        log[10] = 1;
        assertMalformed(log, "header", "digest");
    }

    @Test
    void trailingBytesAreRejected() {
        byte[] log = Arrays.copyOf(sample().encode(), sample().encode().length + 3);
        assertMalformed(log, "event #4", "truncated");
    }

    @Test
    void tooManyEventsAreRejected() {
        EventLog one = EventLog.builder(HashAlgorithm.SHA1)
                .add(TcgEvent.measuring(1, EventType.EV_SEPARATOR.code(), List.of(HashAlgorithm.SHA1), new byte[0]))
                .build();
        byte[] enc = one.encode();
        int header = 32 + 29 + 4;
        int eventLen = enc.length - header;
        ByteBuffer big = ByteBuffer.allocate(header + eventLen * (EventLog.MAX_EVENTS + 1));
        big.put(enc, 0, header);
        for (int i = 0; i <= EventLog.MAX_EVENTS; i++) {
            big.put(enc, header, eventLen);
        }
        assertMalformed(big.array(), "event #" + EventLog.MAX_EVENTS, "more than");
    }

    @Test
    void replayMatchesHandComputation() throws Exception {
        byte[] d1 = sha256("one");
        byte[] d2 = sha256("two");
        EventLog log = EventLog.builder(HashAlgorithm.SHA256)
                .add(event(17, d1))
                .add(new TcgEvent(17, EventType.EV_NO_ACTION.code(), Map.of(HashAlgorithm.SHA256, sha256("ignored")), new byte[0]))
                .add(event(18, d2))
                .add(event(17, d2))
                .build();
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(new byte[32]);
        md.update(d1);
        byte[] pcr17 = md.digest();
        md.update(pcr17);
        md.update(d2);
        pcr17 = md.digest();
        md.update(new byte[32]);
        md.update(d2);
        byte[] pcr18 = md.digest();

        PcrValues values = log.replay(HashAlgorithm.SHA256);
        assertEquals(java.util.Set.of(17, 18), values.indices(HashAlgorithm.SHA256));
        assertArrayEquals(pcr17, values.get(HashAlgorithm.SHA256, 17).orElseThrow());
        assertArrayEquals(pcr18, values.get(HashAlgorithm.SHA256, 18).orElseThrow());

        PcrValues some = log.replay(PcrSelection.of(HashAlgorithm.SHA256, 18, 20));
        assertEquals(java.util.Set.of(18, 20), some.indices(HashAlgorithm.SHA256));
        assertArrayEquals(pcr18, some.get(HashAlgorithm.SHA256, 18).orElseThrow());
        assertArrayEquals(new byte[32], some.get(HashAlgorithm.SHA256, 20).orElseThrow());
        assertThrows(IllegalArgumentException.class, () -> log.replay(HashAlgorithm.SHA1));
    }

    @Test
    void eventsArePerPcrAndNoActionOnlyPcrsAreNotExtended() {
        EventLog log = sample();
        assertEquals(2, log.eventsFor(17).size());
        assertEquals(List.of(0, 17, 18), List.copyOf(log.eventsByPcr().keySet()));
        assertEquals(java.util.Set.of(17, 18), log.extendedPcrs());
        assertFalse(log.eventsFor(0).get(0).isExtended());
    }

    @Test
    void builderRejectsEventsWithOtherBanks() {
        EventLog.Builder b = EventLog.builder(TWO_BANKS);
        TcgEvent onlySha1 = TcgEvent.measuring(17, 0x402, List.of(HashAlgorithm.SHA1), new byte[0]);
        assertThrows(IllegalArgumentException.class, () -> b.add(onlySha1));
    }

    @Test
    void eventIsImmutable() {
        byte[] data = bytes("data");
        byte[] digest = new byte[20];
        Map<HashAlgorithm, byte[]> digests = new EnumMap<>(HashAlgorithm.class);
        digests.put(HashAlgorithm.SHA1, digest);
        TcgEvent e = new TcgEvent(4, 4, digests, data);
        data[0] = 'X';
        digest[0] = 1;
        digests.clear();
        e.eventData()[1] = 'Y';
        e.digests().get(HashAlgorithm.SHA1)[2] = 9;
        assertArrayEquals(bytes("data"), e.eventData());
        assertArrayEquals(new byte[20], e.digest(HashAlgorithm.SHA1).orElseThrow());
        assertEquals(e, new TcgEvent(4, 4, Map.of(HashAlgorithm.SHA1, new byte[20]), bytes("data")));
        assertThrows(IllegalArgumentException.class, () -> new TcgEvent(24, 4, Map.of(), new byte[0]));
        assertThrows(IllegalArgumentException.class,
                () -> new TcgEvent(1, 4, Map.of(HashAlgorithm.SHA256, new byte[20]), new byte[0]));
    }

    private static TcgEvent event(int pcr, byte[] sha256) {
        return new TcgEvent(pcr, EventType.EV_SEPARATOR.code(), Map.of(HashAlgorithm.SHA256, sha256), new byte[0]);
    }

    private static byte[] sha256(String s) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes(s));
    }

    private static void assertMalformed(byte[] log, String... fragments) {
        MalformedStructureException e = assertThrows(MalformedStructureException.class, () -> EventLog.parse(log));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' should mention '" + f + "'");
        }
    }

    private static void putU32(byte[] b, int at, long v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, (int) v);
    }

    private static void putU16(byte[] b, int at, int v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(at, (short) v);
    }
}
