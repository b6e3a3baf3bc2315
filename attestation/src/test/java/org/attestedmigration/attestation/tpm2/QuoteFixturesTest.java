package org.attestedmigration.attestation.tpm2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.PublicKey;
import java.util.Arrays;
import java.util.List;
import org.attestedmigration.attestation.AttestationException;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.MalformedStructureException;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.PcrValues;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** End-to-end checks against quotes a real TPM stack (swtpm + tpm2-tools 5.4) produced. */
class QuoteFixturesTest {

    static Fixtures.Quote[] quotes() {
        return Fixtures.quotes();
    }

    @ParameterizedTest
    @MethodSource("quotes")
    void quoteVerifiesWithTheAkAndMatchesThePcrFile(Fixtures.Quote q) throws Exception {
        PublicArea ak = PublicArea.parseTpm2b(q.akTpm2b());
        assertArrayEquals(q.akName(), ak.name(), "name = nameAlg || H(TPMT_PUBLIC)");
        assertTrue(ak.restricted() && ak.sign() && ak.fixedTpm() && ak.fixedParent() && !ak.decrypt());

        Attestation att = Attestation.parse(q.message());
        assertArrayEquals(q.nonce(), att.extraData());
        assertArrayEquals(q.message(), att.raw());

        TpmSignature sig = TpmSignature.parse(q.signature());
        assertEquals(ak.signingScheme().orElseThrow(), sig.scheme());
        assertEquals(HashAlgorithm.SHA256, sig.hash());
        assertTrue(ak.verify(att.raw(), sig));

        PublicKey pem = PemPublicKey.read(q.akPem());
        assertArrayEquals(pem.getEncoded(), ak.toPublicKey().getEncoded());
        assertTrue(SignatureVerifier.verify(pem, att.raw(), sig));

        Tpm2ToolsPcrFile pcrs = Tpm2ToolsPcrFile.read(q.pcrs());
        assertEquals(att.quote().pcrSelect(), pcrs.selections());
        byte[] digest = PcrDigest.compute(ak.signingHash().orElseThrow(), att.quote().pcrSelect(), pcrs.values());
        assertArrayEquals(att.quote().pcrDigest(), digest);
    }

    @ParameterizedTest
    @MethodSource("quotes")
    void pcrFileWriteReproducesTheToolsBytes(Fixtures.Quote q) throws Exception {
        Tpm2ToolsPcrFile pcrs = Tpm2ToolsPcrFile.read(q.pcrs());
        assertArrayEquals(q.pcrs(), Tpm2ToolsPcrFile.write(pcrs.selections(), pcrs.values()));
        assertEquals(pcrs, Tpm2ToolsPcrFile.read(Tpm2ToolsPcrFile.write(pcrs.selections(), pcrs.values())));
    }

    @ParameterizedTest
    @MethodSource("quotes")
    void everyFlippedMessageByteFailsVerification(Fixtures.Quote q) throws Exception {
        PublicArea ak = PublicArea.parseTpm2b(q.akTpm2b());
        TpmSignature sig = TpmSignature.parse(q.signature());
        byte[] msg = q.message();
        for (int i = 0; i < msg.length; i++) {
            byte[] bad = msg.clone();
            bad[i] ^= 0x01;
            assertFalse(ak.verify(bad, sig), "flipped message byte " + i);
        }
    }

    @ParameterizedTest
    @MethodSource("quotes")
    void everyFlippedSignatureByteIsRejected(Fixtures.Quote q) throws Exception {
        PublicArea ak = PublicArea.parseTpm2b(q.akTpm2b());
        byte[] msg = q.message();
        byte[] sigBytes = q.signature();
        for (int i = 0; i < sigBytes.length; i++) {
            byte[] bad = sigBytes.clone();
            bad[i] ^= 0x01;
            boolean accepted;
            try {
                accepted = ak.verify(msg, TpmSignature.parse(bad));
            } catch (AttestationException e) {
                accepted = false;
            }
            assertFalse(accepted, "flipped signature byte " + i);
        }
    }

    @ParameterizedTest
    @MethodSource("quotes")
    void everyFlippedPcrValueChangesTheDigest(Fixtures.Quote q) throws Exception {
        Attestation att = Attestation.parse(q.message());
        Tpm2ToolsPcrFile pcrs = Tpm2ToolsPcrFile.read(q.pcrs());
        for (PcrSelection s : pcrs.selections()) {
            for (int pcr : s.pcrs()) {
                PcrValues tampered = withFlippedBit(pcrs.values(), s.bank(), pcr);
                byte[] digest = PcrDigest.compute(HashAlgorithm.SHA256, att.quote().pcrSelect(), tampered);
                assertFalse(Arrays.equals(att.quote().pcrDigest(), digest), s.bank() + ":" + pcr);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("quotes")
    void everyFlippedPcrFileDigestByteChangesTheDigestOrIsMalformed(Fixtures.Quote q) throws Exception {
        Attestation att = Attestation.parse(q.message());
        byte[] file = q.pcrs();
        Tpm2ToolsPcrFile good = Tpm2ToolsPcrFile.read(file);
        int digests = good.selections().stream().mapToInt(s -> s.pcrs().size()).sum();
        for (int d = 0; d < digests; d++) {
            int slot = Tpm2ToolsPcrFile.SELECTION_LIST_SIZE + 4 + (d / 8) * Tpm2ToolsPcrFile.BLOCK_SIZE + 4 + (d % 8) * 66;
            byte[] bad = file.clone();
            bad[slot + 2] ^= (byte) 0x80;
            Tpm2ToolsPcrFile read = Tpm2ToolsPcrFile.read(bad);
            byte[] digest = PcrDigest.compute(HashAlgorithm.SHA256, att.quote().pcrSelect(), read.values());
            assertFalse(Arrays.equals(att.quote().pcrDigest(), digest), "digest #" + d);
        }
    }

    @ParameterizedTest
    @MethodSource("quotes")
    void otherNonceIsVisible(Fixtures.Quote q) throws MalformedStructureException {
        byte[] nonce = q.nonce();
        nonce[0] ^= 1;
        assertNotEquals(List.of(nonce), List.of(Attestation.parse(q.message()).extraData()));
        assertFalse(Arrays.equals(nonce, Attestation.parse(q.message()).extraData()));
    }

    private static PcrValues withFlippedBit(PcrValues values, HashAlgorithm bank, int pcr) {
        PcrValues.Builder b = PcrValues.builder();
        for (HashAlgorithm h : values.banks()) {
            for (int i : values.indices(h)) {
                byte[] v = values.get(h, i).orElseThrow();
                if (h == bank && i == pcr) {
                    v[v.length - 1] ^= 1;
                }
                b.put(h, i, v);
            }
        }
        return b.build();
    }
}
