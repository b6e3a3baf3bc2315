package org.attestedmigration.attestation.tpm2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.PcrValues;
import org.junit.jupiter.api.Test;

class PcrDigestTest {
    private static byte[] filled(int len, int b) {
        byte[] v = new byte[len];
        java.util.Arrays.fill(v, (byte) b);
        return v;
    }

    @Test
    void concatenatesInSelectionOrderThenIndexOrder() throws Exception {
        PcrValues values = PcrValues.builder()
                .put(HashAlgorithm.SHA256, 7, filled(32, 7))
                .put(HashAlgorithm.SHA256, 1, filled(32, 1))
                .put(HashAlgorithm.SHA1, 0, filled(20, 9))
                .build();
        List<PcrSelection> sels = List.of(PcrSelection.of(HashAlgorithm.SHA256, 7, 1), PcrSelection.of(HashAlgorithm.SHA1, 0));
        byte[] expected = HashAlgorithm.SHA384.digest(filled(32, 1), filled(32, 7), filled(20, 9));
        assertArrayEquals(expected, PcrDigest.compute(HashAlgorithm.SHA384, sels, values));
    }

    @Test
    void missingPcrIsTyped() {
        PcrValues values = PcrValues.builder().put(HashAlgorithm.SHA256, 0, new byte[32]).build();
        MissingPcrException e = assertThrows(MissingPcrException.class,
                () -> PcrDigest.compute(HashAlgorithm.SHA256, List.of(PcrSelection.parse("sha256:0,17")), values));
        assertTrue(e.getMessage().contains("17"), e.getMessage());
        assertThrows(MissingPcrException.class,
                () -> PcrDigest.compute(HashAlgorithm.SHA256, List.of(PcrSelection.parse("sha1:0")), values));
    }
}
