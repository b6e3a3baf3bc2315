package org.attestedmigration.attestation.tpm2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.MalformedStructureException;
import org.attestedmigration.attestation.PcrSelection;
import org.junit.jupiter.api.Test;

class AttestationTest {
    private final byte[] msg = new Fixtures.Quote("rsa", "").message();

    @Test
    void fieldsOfTheSwtpmQuote() throws Exception {
        Attestation a = Attestation.parse(msg);
        assertEquals(List.of(PcrSelection.parse("sha256:0,17,18,19")), a.quote().pcrSelect());
        assertEquals(32, a.quote().pcrDigest().length);
        assertEquals(16, a.extraData().length);
        // the qualified signer is the AK's qualified name: nameAlg || digest
        assertEquals(34, a.qualifiedSigner().length);
        assertTrue(a.clockInfo().safe());
        assertEquals(1, a.clockInfo().resetCount());
    }

    @Test
    void wrongMagic() {
        byte[] bad = msg.clone();
        bad[3] = 0x48;
        MalformedStructureException e = assertThrows(MalformedStructureException.class, () -> Attestation.parse(bad));
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
    }

    @Test
    void wrongType() {
        byte[] bad = msg.clone();
        bad[5] = 0x17; // TPM_ST_ATTEST_CERTIFY
        MalformedStructureException e = assertThrows(MalformedStructureException.class, () -> Attestation.parse(bad));
        assertTrue(e.getMessage().contains("type"), e.getMessage());
    }

    @Test
    void oversizeExtraData() {
        TpmWriter w = new TpmWriter().u32(Attestation.TPM_GENERATED_VALUE).u16(Attestation.TPM_ST_ATTEST_QUOTE)
                .tpm2b(new byte[0]).u16(67).bytes(new byte[67]);
        MalformedStructureException e = assertThrows(MalformedStructureException.class, () -> Attestation.parse(w.toByteArray()));
        assertTrue(e.getMessage().contains("extraData.size"), e.getMessage());
    }

    @Test
    void safeMustBeYesOrNo() throws Exception {
        byte[] good = synthetic(1);
        Attestation.parse(good);
        assertThrows(MalformedStructureException.class, () -> Attestation.parse(synthetic(2)));
    }

    @Test
    void syntheticQuoteRoundTrips() throws Exception {
        Attestation a = Attestation.parse(synthetic(0));
        assertEquals(-1L, a.clockInfo().clock());
        assertEquals(0xffffffffL, a.clockInfo().resetCount());
        assertArrayEquals(new byte[] {1, 2, 3}, a.extraData());
        assertEquals(List.of(PcrSelection.of(HashAlgorithm.SHA1, 23), PcrSelection.of(HashAlgorithm.SHA256, 0)),
                a.quote().pcrSelect());
    }

    private static byte[] synthetic(int safe) {
        TpmWriter w = new TpmWriter().u32(Attestation.TPM_GENERATED_VALUE).u16(Attestation.TPM_ST_ATTEST_QUOTE)
                .tpm2b(new byte[0]).tpm2b(new byte[] {1, 2, 3})
                .u64(-1L).u32(0xffffffffL).u32(0).u8(safe).u64(42);
        PcrSelections.marshal(w, List.of(PcrSelection.of(HashAlgorithm.SHA1, 23), PcrSelection.of(HashAlgorithm.SHA256, 0)));
        return w.tpm2b(new byte[32]).toByteArray();
    }
}
