package org.attestedmigration.attestation.credential;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;
import org.attestedmigration.attestation.HashAlgorithm;

/**
 * KDFe of TPM 2.0 Part 1 (the SP 800-56A concatenation KDF). Each block is
 * {@code H([i]32 || Z || label || 0x00 || partyUInfo || partyVInfo)}, the counter starting at 1;
 * unlike KDFa the output length is not hashed in.
 */
public final class Kdfe {
    private Kdfe() {
    }

    /**
     * Derives {@code bits} bits from the shared secret {@code z}.
     *
     * @param label ASCII label without the terminating zero, which is always appended
     * @param partyUInfo for credential protection the ephemeral key's x-coordinate
     * @param partyVInfo for credential protection the EK's x-coordinate
     * @param bits a positive multiple of 8
     */
    public static byte[] derive(HashAlgorithm hash, byte[] z, String label, byte[] partyUInfo,
            byte[] partyVInfo, int bits) {
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(z, "z");
        Objects.requireNonNull(label, "label");
        if (bits <= 0 || bits % 8 != 0) {
            throw new IllegalArgumentException("KDFe output of " + bits + " bits is not a positive multiple of 8");
        }
        byte[] labelBytes = label.getBytes(StandardCharsets.US_ASCII);
        byte[] u = partyUInfo == null ? new byte[0] : partyUInfo;
        byte[] v = partyVInfo == null ? new byte[0] : partyVInfo;
        MessageDigest md = hash.newDigest();
        int outLength = bits / 8;
        byte[] out = new byte[outLength];
        int filled = 0;
        for (int counter = 1; filled < outLength; counter++) {
            md.update(ByteBuffer.allocate(4).putInt(counter).array());
            md.update(z);
            md.update(labelBytes);
            md.update((byte) 0);
            md.update(u);
            md.update(v);
            byte[] block = md.digest();
            int n = Math.min(block.length, outLength - filled);
            System.arraycopy(block, 0, out, filled, n);
            Arrays.fill(block, (byte) 0);
            filled += n;
        }
        return out;
    }
}
