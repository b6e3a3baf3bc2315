package org.attestedmigration.attestation.tpm2;

import java.io.ByteArrayOutputStream;

/** Big-endian marshalling of TPM structures, the inverse of {@link TpmReader}. */
public final class TpmWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public TpmWriter u8(int v) {
        out.write(v);
        return this;
    }

    public TpmWriter u16(int v) {
        out.write(v >>> 8);
        out.write(v);
        return this;
    }

    public TpmWriter u32(long v) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            out.write((int) (v >>> shift));
        }
        return this;
    }

    public TpmWriter u64(long v) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.write((int) (v >>> shift));
        }
        return this;
    }

    public TpmWriter bytes(byte[] b) {
        out.write(b, 0, b.length);
        return this;
    }

    /** @throws IllegalArgumentException if the buffer cannot be described by a u16 size */
    public TpmWriter tpm2b(byte[] b) {
        if (b.length > 0xffff) {
            throw new IllegalArgumentException("TPM2B buffer of " + b.length + " bytes exceeds 65535");
        }
        return u16(b.length).bytes(b);
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }
}
