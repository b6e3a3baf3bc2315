package org.attestedmigration.attestation.credential;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.attestedmigration.attestation.HashAlgorithm;

/**
 * KDFa of TPM 2.0 Part 1 (SP 800-108 KDF in counter mode with HMAC). Each block is
 * {@code HMAC(key, [i]32 || label || 0x00 || contextU || contextV || [bits]32)}, the counter
 * starting at 1 and all integers big-endian, as the TPM marshals them.
 */
public final class Kdfa {
    private Kdfa() {
    }

    /**
     * Derives {@code bits} bits of key material.
     *
     * @param label ASCII label without the terminating zero; the zero is always appended because
     *     the TPM counts it as part of the label
     * @param bits a positive multiple of 8 (the TPM's uses of KDFa in this package never need
     *     partial bytes)
     */
    public static byte[] derive(HashAlgorithm hash, byte[] key, String label, byte[] contextU,
            byte[] contextV, int bits) {
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(label, "label");
        if (bits <= 0 || bits % 8 != 0) {
            throw new IllegalArgumentException("KDFa output of " + bits + " bits is not a positive multiple of 8");
        }
        byte[] labelBytes = label.getBytes(StandardCharsets.US_ASCII);
        byte[] u = contextU == null ? new byte[0] : contextU;
        byte[] v = contextV == null ? new byte[0] : contextV;
        Mac mac = newHmac(hash, key);
        int outLength = bits / 8;
        byte[] out = new byte[outLength];
        int filled = 0;
        for (int counter = 1; filled < outLength; counter++) {
            mac.update(ByteBuffer.allocate(4).putInt(counter).array());
            mac.update(labelBytes);
            mac.update((byte) 0);
            mac.update(u);
            mac.update(v);
            mac.update(ByteBuffer.allocate(4).putInt(bits).array());
            byte[] block = mac.doFinal();
            int n = Math.min(block.length, outLength - filled);
            System.arraycopy(block, 0, out, filled, n);
            Arrays.fill(block, (byte) 0);
            filled += n;
        }
        return out;
    }

    static Mac newHmac(HashAlgorithm hash, byte[] key) {
        String name = "Hmac" + hash.jcaName().replace("-", "");
        try {
            Mac mac = Mac.getInstance(name);
            // An empty HMAC key is legal in HMAC but SecretKeySpec rejects it; KDFa never gets one
            // here because seeds are at least a digest long.
            mac.init(new SecretKeySpec(key, name));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(name + " is not usable in this Java runtime", e);
        }
    }
}
