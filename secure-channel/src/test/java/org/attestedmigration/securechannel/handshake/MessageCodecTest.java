package org.attestedmigration.securechannel.handshake;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.attestedmigration.policy.RuleResult;
import org.attestedmigration.policy.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MessageCodecTest {
    private static final String NONCE = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    /** The keys of a version 2 HELLO: an AK public area and no EK. */
    private static final String KEYS = ",\"akPublic\":\"AQ==\",\"endorsement\":[]";
    private static final String EK = "{\"ekPublic\":\"Ag==\",\"ekCertificate\":\"Aw==\"}";

    @Test
    void everyMessageRoundTrips() throws Exception {
        byte[] nonce = new byte[32];
        nonce[5] = 9;
        HandshakeMessage.Hello hello = (HandshakeMessage.Hello) roundTrip(new HandshakeMessage.Hello(2, "office-1", MigrationRole.SOURCE, nonce, true,
                new byte[] {7}, List.of(new HandshakeMessage.Endorsement(new byte[] {8}, new byte[] {9}))));
        assertEquals("office-1", hello.host());
        assertEquals(MigrationRole.SOURCE, hello.role());
        assertArrayEquals(nonce, hello.nonce());
        assertArrayEquals(new byte[] {7}, hello.akPublic());
        assertArrayEquals(new byte[] {9}, hello.endorsement().get(0).ekCertificate());
        HandshakeMessage.EvidenceMessage ev = (HandshakeMessage.EvidenceMessage) roundTrip(new HandshakeMessage.EvidenceMessage(new byte[] {1},
                new byte[] {2}, List.of(new HandshakeMessage.Pcr("sha256", 17, new byte[32])), new byte[] {3, 4}));
        assertEquals(17, ev.pcrs().get(0).index());
        assertArrayEquals(new byte[] {3, 4}, ev.eventLog());
        Verdict v = Verdict.of(List.of(RuleResult.pass("host.identity", "ok"), RuleResult.fail("launch.hypervisor", "xen")));
        assertEquals(v, ((HandshakeMessage.VerdictMessage) roundTrip(HandshakeMessage.VerdictMessage.of(v))).toVerdict());
        roundTrip(new HandshakeMessage.CredentialChallenge(new byte[] {1}, new byte[] {2}));
        roundTrip(new HandshakeMessage.CredentialAnswer(new byte[] {1}));
    }

    private static HandshakeMessage roundTrip(HandshakeMessage m) throws MalformedMessageException {
        HandshakeMessage back = MessageCodec.decode(MessageCodec.encode(m));
        assertEquals(m.getClass(), back.getClass());
        return back;
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "null",
        "GET / HTTP/1.1",
        "{}",
        "[]",
        "{\"type\":\"DATA\",\"payload\":\"x\"}",
        "{\"type\":\"HELLO\",\"version\":1,\"host\":\"a\",\"role\":\"SOURCE\",\"nonce\":\"" + NONCE + "\"}",
        "{\"type\":\"HELLO\",\"version\":1,\"host\":\"a\",\"role\":\"SOURCE\",\"nonce\":\"" + NONCE + "\",\"exporter\":false,\"extra\":1" + KEYS + "}",
        "{\"type\":\"HELLO\",\"version\":1,\"host\":\"a\",\"role\":\"SOURCE\",\"nonce\":\"AAEC\",\"exporter\":false" + KEYS + "}",
        "{\"type\":\"HELLO\",\"version\":1,\"host\":\"a b\",\"role\":\"SOURCE\",\"nonce\":\"" + NONCE + "\",\"exporter\":false" + KEYS + "}",
        "{\"type\":\"HELLO\",\"version\":1,\"host\":\"a\",\"role\":\"OBSERVER\",\"nonce\":\"" + NONCE + "\",\"exporter\":false" + KEYS + "}",
        "{\"type\":\"HELLO\",\"version\":\"1\",\"host\":\"a\",\"role\":\"SOURCE\",\"nonce\":\"" + NONCE + "\",\"exporter\":false" + KEYS + "}",
        "{\"type\":\"HELLO\",\"version\":1,\"version\":2,\"host\":\"a\",\"role\":\"SOURCE\",\"nonce\":\"" + NONCE + "\",\"exporter\":false" + KEYS + "}",
        "{\"type\":\"HELLO\",\"version\":1,\"host\":\"a\",\"role\":\"SOURCE\",\"nonce\":\"" + NONCE + "\",\"exporter\":false" + KEYS + "} {}",
        "{\"type\":\"HELLO\",\"version\":2,\"host\":\"a\",\"role\":\"SOURCE\",\"nonce\":\"" + NONCE + "\",\"exporter\":false}",
        "{\"type\":\"HELLO\",\"version\":2,\"host\":\"a\",\"role\":\"SOURCE\",\"nonce\":\"" + NONCE + "\",\"exporter\":false,"
                + "\"akPublic\":null,\"endorsement\":[]}",
        "{\"type\":\"HELLO\",\"version\":2,\"host\":\"a\",\"role\":\"SOURCE\",\"nonce\":\"" + NONCE + "\",\"exporter\":false,"
                + "\"akPublic\":\"AQ==\",\"endorsement\":[" + EK + "," + EK + "]}",
        "{\"type\":\"HELLO\",\"version\":2,\"host\":\"a\",\"role\":\"SOURCE\",\"nonce\":\"" + NONCE + "\",\"exporter\":false,"
                + "\"akPublic\":\"AQ==\",\"endorsement\":[{\"ekPublic\":\"Ag==\"}]}",
        "{\"type\":\"ATTESTATION_KEYS\",\"akPublic\":\"AQ==\",\"ekPublic\":\"Ag==\",\"ekCertificate\":\"Aw==\"}",
        "{\"type\":\"CREDENTIAL_ANSWER\",\"secret\":null}",
        "{\"type\":\"VERDICT\",\"decision\":\"ACCEPT\",\"rules\":[{\"rule\":\"x\",\"status\":\"FAIL\",\"detail\":\"no\"}]}",
        "{\"type\":\"VERDICT\",\"decision\":\"ACCEPT\",\"rules\":[]}"})
    void anythingButOneValidMessageIsRefused(String json) {
        assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void validHelloParses() throws Exception {
        String json = "{\"type\":\"HELLO\",\"version\":2,\"host\":\"a\",\"role\":\"SOURCE\",\"nonce\":\"" + NONCE + "\",\"exporter\":false" + KEYS + "}";
        assertEquals("a", ((HandshakeMessage.Hello) MessageCodec.decode(json.getBytes(StandardCharsets.UTF_8))).host());
        String withEk = "{\"type\":\"HELLO\",\"version\":2,\"host\":\"a\",\"role\":\"SOURCE\",\"nonce\":\"" + NONCE + "\",\"exporter\":false,"
                + "\"akPublic\":\"AQ==\",\"endorsement\":[" + EK + "]}";
        assertEquals(1, ((HandshakeMessage.Hello) MessageCodec.decode(withEk.getBytes(StandardCharsets.UTF_8))).endorsement().size());
    }

    @Test
    void oversizedInputIsRefusedBeforeParsing() {
        assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(new byte[MessageCodec.MAX_FRAME + 1]));
    }
}
