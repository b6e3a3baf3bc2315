package org.attestedmigration.attestation.eventlog;

import java.io.ByteArrayOutputStream;

/** Little-endian byte sink for encoding logs. */
final class LeWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    LeWriter u8(int v) {
        out.write(v);
        return this;
    }

    LeWriter u16(int v) {
        out.write(v);
        out.write(v >>> 8);
        return this;
    }

    LeWriter u32(long v) {
        out.write((int) v);
        out.write((int) (v >>> 8));
        out.write((int) (v >>> 16));
        out.write((int) (v >>> 24));
        return this;
    }

    LeWriter bytes(byte[] b) {
        out.write(b, 0, b.length);
        return this;
    }

    int size() {
        return out.size();
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
