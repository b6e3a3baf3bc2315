package org.attestedmigration.attestation.tpm2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.MalformedStructureException;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.PcrValues;
import org.junit.jupiter.api.Test;

class Tpm2ToolsPcrFileTest {
    private final byte[] single = Fixtures.bytes("rsa/quote.pcrs");
    private final byte[] multi = Fixtures.bytes("rsa/multi-quote.pcrs");

    @Test
    void layoutSizes() throws Exception {
        assertEquals(132 + 4 + 532, single.length);
        assertEquals(132 + 4 + 2 * 532, multi.length);
        Tpm2ToolsPcrFile f = Tpm2ToolsPcrFile.read(multi);
        assertEquals(List.of(PcrSelection.parse("sha1:0,1,2,3"), PcrSelection.parse("sha256:0,1,2,3,16,17,18,19"),
                PcrSelection.parse("sha384:0")), f.selections());
        assertEquals(13, f.values().indices(HashAlgorithm.SHA1).size() + f.values().indices(HashAlgorithm.SHA256).size()
                + f.values().indices(HashAlgorithm.SHA384).size());
    }

    @Test
    void writesEmptySelection() throws Exception {
        byte[] b = Tpm2ToolsPcrFile.write(List.of(), PcrValues.builder().build());
        assertEquals(136, b.length);
        assertEquals(List.of(), Tpm2ToolsPcrFile.read(b).selections());
    }

    @Test
    void writeNeedsEveryValue() {
        assertThrows(MissingPcrException.class, () -> Tpm2ToolsPcrFile.write(List.of(PcrSelection.parse("sha256:1")),
                PcrValues.builder().put(HashAlgorithm.SHA256, 0, new byte[32]).build()));
    }

    @Test
    void strictCountsAndSizes() {
        assertMalformed(patchInt(single, 0, 17), "pcrSelections.count");
        assertMalformed(patchShort(single, 4, 0x0012), "hash");
        assertMalformed(patchByte(single, 6, 5), "sizeofSelect");
        assertMalformed(patchInt(single, 132, 33), "pcrs.count");
        assertMalformed(patchInt(single, 136, 9), "count");
        assertMalformed(patchShort(single, 140, 65), "size");
        assertMalformed(patchShort(single, 140, 20), "expected 32");
        assertMalformed(patchInt(single, 136, 3), "fewer");
        assertMalformed(patchInt(single, 136, 5), "only 4");
        assertMalformed(patchInt(single, 132, 2), "truncated");
    }

    @Test
    void bitmapBeyondSizeofSelectIsIgnoredButWithinIsChecked() throws Exception {
        // byte 3 of the bitmap lies beyond sizeofSelect 3, so it is slack in the C struct and not a selection
        assertEquals(Tpm2ToolsPcrFile.read(single), Tpm2ToolsPcrFile.read(patchByte(single, 10, 1)));
        byte[] four = patchByte(patchByte(single, 6, 4), 10, 1);
        MalformedStructureException e = assertThrows(MalformedStructureException.class, () -> Tpm2ToolsPcrFile.read(four));
        assertTrue(e.getMessage().contains("beyond PCR 23"), e.getMessage());
    }

    @Test
    void duplicateSelectionIsRejected() throws Exception {
        List<PcrSelection> twice = List.of(PcrSelection.parse("sha256:0"), PcrSelection.parse("sha256:0"));
        byte[] b = Tpm2ToolsPcrFile.write(twice, PcrValues.builder().put(HashAlgorithm.SHA256, 0, new byte[32]).build());
        assertMalformed(b, "second time");
    }

    private static void assertMalformed(byte[] b, String text) {
        MalformedStructureException e = assertThrows(MalformedStructureException.class, () -> Tpm2ToolsPcrFile.read(b));
        assertTrue(e.getMessage().contains(text), e.getMessage());
    }

    private static byte[] patchInt(byte[] b, int at, int v) {
        byte[] c = b.clone();
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
        return c;
    }

    private static byte[] patchShort(byte[] b, int at, int v) {
        byte[] c = b.clone();
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putShort(at, (short) v);
        return c;
    }

    private static byte[] patchByte(byte[] b, int at, int v) {
        byte[] c = b.clone();
        c[at] = (byte) v;
        return c;
    }
}
