package org.attestedmigration.attestation.credential;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.attestedmigration.attestation.MalformedStructureException;

/** Marshalling of TPM2B_* buffers: a big-endian 16-bit size followed by that many bytes. */
final class Tpm2b {
    static final int MAX_SIZE = 0xFFFF;

    private Tpm2b() {
    }

    static byte[] encode(byte[] contents) {
        if (contents.length > MAX_SIZE) {
            throw new IllegalArgumentException("TPM2B contents of " + contents.length + " bytes exceed 65535");
        }
        return ByteBuffer.allocate(2 + contents.length).order(ByteOrder.BIG_ENDIAN)
                .putShort((short) contents.length).put(contents).array();
    }

    /** Reads one TPM2B at the buffer's position; {@code what} names it in the error message. */
    static byte[] read(ByteBuffer in, String what) throws MalformedStructureException {
        if (in.remaining() < 2) {
            throw new MalformedStructureException(what + ": truncated before its 2-byte size");
        }
        int size = Short.toUnsignedInt(in.getShort());
        if (in.remaining() < size) {
            throw new MalformedStructureException(what + ": size " + size + " but only " + in.remaining()
                    + " bytes follow");
        }
        byte[] out = new byte[size];
        in.get(out);
        return out;
    }
}
