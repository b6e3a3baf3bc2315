package org.attestedmigration.attestation.tpm2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.MalformedStructureException;
import org.attestedmigration.attestation.PcrSelection;
import org.junit.jupiter.api.Test;

class PcrSelectionsTest {

    @Test
    void roundTripKeepsOrder() throws Exception {
        List<PcrSelection> sels = List.of(PcrSelection.parse("sha384:1,2"), PcrSelection.parse("sha1:0,23"),
                PcrSelection.parse("sha256:0,7,8,15,16,17,18,19"));
        assertEquals(sels, PcrSelections.parse(PcrSelections.marshal(sels)));
    }

    @Test
    void wireFormat() {
        byte[] b = PcrSelections.marshal(List.of(PcrSelection.parse("sha256:0,17,18,19")));
        assertEquals("00000001000b0301000e", java.util.HexFormat.of().formatHex(b));
    }

    @Test
    void acceptsFourByteBitmapWithinRange() throws Exception {
        byte[] b = new TpmWriter().u32(1).u16(0x000b).u8(4).bytes(new byte[] {1, 0, 0, 0}).toByteArray();
        assertEquals(List.of(PcrSelection.of(HashAlgorithm.SHA256, 0)), PcrSelections.parse(b));
    }

    @Test
    void rejectsUnknownHash() {
        byte[] b = new TpmWriter().u32(1).u16(0x0012).u8(3).bytes(new byte[3]).toByteArray();
        assertMalformed(b, "hash");
    }

    @Test
    void rejectsSizeofSelectAboveFour() {
        byte[] b = new TpmWriter().u32(1).u16(0x000b).u8(5).bytes(new byte[5]).toByteArray();
        assertMalformed(b, "sizeofSelect");
    }

    @Test
    void rejectsPcrBeyond23() {
        byte[] b = new TpmWriter().u32(1).u16(0x000b).u8(4).bytes(new byte[] {0, 0, 0, 1}).toByteArray();
        assertMalformed(b, "pcrSelect");
    }

    @Test
    void rejectsAbsurdCount() {
        assertMalformed(new TpmWriter().u32(17).toByteArray(), "count");
        assertMalformed(new TpmWriter().u32(0xffffffffL).toByteArray(), "count");
    }

    private static void assertMalformed(byte[] b, String field) {
        MalformedStructureException e = assertThrows(MalformedStructureException.class, () -> PcrSelections.parse(b));
        assertTrue(e.getMessage().contains(field), e.getMessage());
    }
}
