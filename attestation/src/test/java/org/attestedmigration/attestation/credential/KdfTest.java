package org.attestedmigration.attestation.credential;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.attestedmigration.attestation.HashAlgorithm;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.agreement.kdf.ConcatenationKDFGenerator;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.generators.KDFCounterBytesGenerator;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KDFCounterParameters;
import org.bouncycastle.crypto.params.KDFParameters;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * KDFa and KDFe checked against Bouncy Castle's independent SP 800-108 counter-mode and
 * SP 800-56A concatenation KDFs, fed with the TPM's fixed-input encoding.
 */
class KdfTest {
    private static final Random RANDOM = new Random(42);

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static Digest bcDigest(HashAlgorithm h) {
        return h == HashAlgorithm.SHA256 ? new SHA256Digest() : new SHA384Digest();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] labelZ(String label) {
        return concat(label.getBytes(StandardCharsets.US_ASCII), new byte[] {0});
    }

    @ParameterizedTest
    @CsvSource({"SHA256,STORAGE,128", "SHA256,INTEGRITY,256", "SHA384,STORAGE,256", "SHA384,INTEGRITY,384",
        "SHA256,LONG,1000"})
    void kdfaMatchesBouncyCastleCounterMode(HashAlgorithm hash, String label, int bits) {
        byte[] key = random(hash.digestLength());
        byte[] context = random(34);
        byte[] ours = Kdfa.derive(hash, key, label, context, null, bits);

        KDFCounterBytesGenerator bc = new KDFCounterBytesGenerator(new HMac(bcDigest(hash)));
        byte[] fixedSuffix = concat(labelZ(label), context, ByteBuffer.allocate(4).putInt(bits).array());
        bc.init(new KDFCounterParameters(key, null, fixedSuffix, 32));
        byte[] expected = new byte[bits / 8];
        bc.generateBytes(expected, 0, expected.length);

        assertArrayEquals(expected, ours);
    }

    @Test
    void kdfaOutputDependsOnRequestedLengthNotJustTruncation() {
        byte[] key = random(32);
        byte[] short128 = Kdfa.derive(HashAlgorithm.SHA256, key, "STORAGE", null, null, 128);
        byte[] long256 = Kdfa.derive(HashAlgorithm.SHA256, key, "STORAGE", null, null, 256);
        assertFalse(Arrays.equals(short128, Arrays.copyOf(long256, 16)));
    }

    @Test
    void kdfaRejectsPartialBytes() {
        assertThrows(IllegalArgumentException.class,
                () -> Kdfa.derive(HashAlgorithm.SHA256, random(32), "X", null, null, 12));
        assertThrows(IllegalArgumentException.class,
                () -> Kdfa.derive(HashAlgorithm.SHA256, random(32), "X", null, null, 0));
    }

    @ParameterizedTest
    @CsvSource({"SHA256,256", "SHA384,384", "SHA256,600"})
    void kdfeMatchesBouncyCastleConcatenationKdf(HashAlgorithm hash, int bits) {
        byte[] z = random(48);
        byte[] u = random(48);
        byte[] v = random(48);
        byte[] ours = Kdfe.derive(hash, z, "IDENTITY", u, v, bits);

        ConcatenationKDFGenerator bc = new ConcatenationKDFGenerator(bcDigest(hash));
        bc.init(new KDFParameters(z, concat(labelZ("IDENTITY"), u, v)));
        byte[] expected = new byte[bits / 8];
        bc.generateBytes(expected, 0, expected.length);

        assertArrayEquals(expected, ours);
        assertEquals(bits / 8, ours.length);
    }
}
