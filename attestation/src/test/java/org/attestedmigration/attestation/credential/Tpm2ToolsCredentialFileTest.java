package org.attestedmigration.attestation.credential;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.attestedmigration.attestation.MalformedStructureException;
import org.junit.jupiter.api.Test;

class Tpm2ToolsCredentialFileTest {

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = Tpm2ToolsCredentialFileTest.class.getResourceAsStream("/credential/" + name)) {
            return in.readAllBytes();
        }
    }

    /** Files written by tpm2_makecredential 5.4 (-T none) for swtpm's RSA-2048 and P-384 EKs. */
    @Test
    void parsesAndReencodesFilesWrittenByTpm2Tools() throws Exception {
        byte[] rsa = resource("tpm2-tools-makecredential-rsa2048.bin");
        EncryptedCredential r = Tpm2ToolsCredentialFile.parse(rsa);
        assertEquals(2 + 32 + 2 + 32, r.credentialBlob().length);
        assertEquals(256, r.encryptedSecret().length);
        assertArrayEquals(rsa, Tpm2ToolsCredentialFile.encode(r));

        byte[] ecc = resource("tpm2-tools-makecredential-eccp384.bin");
        EncryptedCredential e = Tpm2ToolsCredentialFile.parse(ecc);
        assertEquals(2 + 48 + 2 + 32, e.credentialBlob().length);
        assertEquals(2 + 48 + 2 + 48, e.encryptedSecret().length);
        assertArrayEquals(ecc, Tpm2ToolsCredentialFile.encode(e));
    }

    @Test
    void headerIsMagicThenVersionBigEndian() {
        byte[] file = Tpm2ToolsCredentialFile.encode(new EncryptedCredential(new byte[] {1, 2}, new byte[] {3}));
        assertArrayEquals(new byte[] {(byte) 0xBA, (byte) 0xDC, (byte) 0xC0, (byte) 0xDE, 0, 0, 0, 1,
            0, 2, 1, 2, 0, 1, 3}, file);
    }

    @Test
    void rejectsBadMagicVersionTruncationAndTrailingBytes() throws Exception {
        byte[] good = resource("tpm2-tools-makecredential-rsa2048.bin");
        byte[] badMagic = good.clone();
        badMagic[0] = 0;
        byte[] badVersion = good.clone();
        badVersion[7] = 2;
        byte[] truncated = Arrays.copyOf(good, good.length - 1);
        byte[] trailing = Arrays.copyOf(good, good.length + 1);

        assertTrue(assertThrows(MalformedStructureException.class, () -> Tpm2ToolsCredentialFile.parse(badMagic))
                .getMessage().contains("magic"));
        assertTrue(assertThrows(MalformedStructureException.class, () -> Tpm2ToolsCredentialFile.parse(badVersion))
                .getMessage().contains("version"));
        assertTrue(assertThrows(MalformedStructureException.class, () -> Tpm2ToolsCredentialFile.parse(truncated))
                .getMessage().contains("TPM2B_ENCRYPTED_SECRET"));
        assertTrue(assertThrows(MalformedStructureException.class, () -> Tpm2ToolsCredentialFile.parse(trailing))
                .getMessage().contains("trailing"));
        assertThrows(MalformedStructureException.class, () -> Tpm2ToolsCredentialFile.parse(new byte[3]));
    }
}
