package org.attestedmigration.attestation.tpm2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.PublicKey;
import org.attestedmigration.attestation.MalformedStructureException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PemPublicKeyTest {

    @ParameterizedTest
    @ValueSource(strings = {"rsa", "rsapss", "ecc"})
    void writesWhatTpm2ToolsWrites(String dir) throws Exception {
        String pem = Fixtures.text(dir + "/ak.pem");
        PublicKey fromTpm = PublicArea.parseTpm2b(Fixtures.bytes(dir + "/ak.pub")).toPublicKey();
        assertEquals(pem, PemPublicKey.write(fromTpm));
        assertArrayEquals(fromTpm.getEncoded(), PemPublicKey.read(pem).getEncoded());
        for (String line : PemPublicKey.write(fromTpm).split("\n")) {
            assertTrue(line.length() <= 64, line);
        }
    }

    @Test
    void garbageIsMalformed() {
        String good = Fixtures.text("rsa/ak.pem");
        for (String bad : new String[] {
                "", "hello", "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
                "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n",
                "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
                "-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n",
                good.replace("PUBLIC KEY", "CERTIFICATE"),
                good.substring(0, 100) + "\n-----END PUBLIC KEY-----\n",
                good.replace("MIIB", "MIIC")}) {
            assertThrows(MalformedStructureException.class, () -> PemPublicKey.read(bad), bad);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa", "ecc"})
    void corruptedDerYieldsOnlyCheckedErrors(String dir) throws Exception {
        byte[] der = PemPublicKey.read(Fixtures.text(dir + "/ak.pem")).getEncoded();
        for (int i = 0; i < der.length; i++) {
            for (int cut : new int[] {der.length, i}) {
                byte[] bad = java.util.Arrays.copyOf(der, cut);
                if (i < cut) {
                    bad[i] ^= (byte) 0x81;
                }
                String pem = "-----BEGIN PUBLIC KEY-----\n" + java.util.Base64.getEncoder().encodeToString(bad) + "\n-----END PUBLIC KEY-----\n";
                try {
                    PemPublicKey.read(pem);
                } catch (MalformedStructureException expected) {
                    // the only acceptable failure
                } catch (RuntimeException e) {
                    org.junit.jupiter.api.Assertions.fail("offset " + i + " cut " + cut + " leaked " + e, e);
                }
            }
        }
    }
}
