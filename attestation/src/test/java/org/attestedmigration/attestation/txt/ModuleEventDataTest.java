package org.attestedmigration.attestation.txt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.attestedmigration.attestation.MalformedStructureException;
import org.junit.jupiter.api.Test;

class ModuleEventDataTest {
    @Test
    void roundTripsAndHasTheDocumentedLayout() throws Exception {
        ModuleEventData d = new ModuleEventData("xen", "console=com1 é");
        byte[] enc = d.encode();
        assertEquals(1, enc[0]);
        assertEquals(3, enc[1]);
        assertEquals('x', enc[2]);
        assertEquals(15, enc[5]); // cmdline length, little-endian u32, UTF-8 bytes
        assertEquals(2 + 3 + 4 + 15, enc.length);
        assertEquals(d, ModuleEventData.parse(enc));
        assertEquals(new ModuleEventData("initrd", ""), ModuleEventData.parse(new ModuleEventData("initrd", "").encode()));
    }

    @Test
    void everyTruncationAndTrailingByteIsMalformed() {
        byte[] enc = new ModuleEventData("vmlinuz", "ro quiet").encode();
        for (int len = 0; len < enc.length; len++) {
            byte[] cut = Arrays.copyOf(enc, len);
            assertThrows(MalformedStructureException.class, () -> ModuleEventData.parse(cut), "length " + len);
        }
        assertThrows(MalformedStructureException.class, () -> ModuleEventData.parse(Arrays.copyOf(enc, enc.length + 1)));
    }

    @Test
    void hostileFieldsAreMalformed() {
        byte[] enc = new ModuleEventData("xen", "a").encode();
        byte[] version = enc.clone();
        version[0] = 2;
        assertThrows(MalformedStructureException.class, () -> ModuleEventData.parse(version));
        byte[] label = enc.clone();
        label[2] = ' ';
        assertThrows(MalformedStructureException.class, () -> ModuleEventData.parse(label));
        byte[] huge = enc.clone();
        huge[8] = (byte) 0xFF;
        assertThrows(MalformedStructureException.class, () -> ModuleEventData.parse(huge));
        byte[] utf8 = enc.clone();
        utf8[9] = (byte) 0xC3;
        assertThrows(MalformedStructureException.class, () -> ModuleEventData.parse(utf8));
        assertThrows(IllegalArgumentException.class, () -> new ModuleEventData("x", "\uD800"));
    }
}
