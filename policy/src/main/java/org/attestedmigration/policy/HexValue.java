package org.attestedmigration.policy;

import java.security.MessageDigest;
import java.util.HexFormat;

/** Bytes written in a policy as hex (digests, TPM names, fingerprints); compared by content. */
public record HexValue(byte[] bytes) {
    public HexValue {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public boolean matches(byte[] other) {
        return MessageDigest.isEqual(bytes, other);
    }

    public int length() {
        return bytes.length;
    }

    /** The first 12 hex digits and an ellipsis, as reasons show digests. */
    public String abbreviated() {
        String h = toString();
        return h.length() <= 16 ? h : h.substring(0, 12) + "…";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HexValue h && MessageDigest.isEqual(bytes, h.bytes);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return HexFormat.of().formatHex(bytes);
    }
}
