package org.attestedmigration.attestation.tpm2;

import java.util.Arrays;
import org.attestedmigration.attestation.MalformedStructureException;

/**
 * Bounded reader over a marshalled TPM structure. TPM structures are big-endian; the
 * little-endian variants exist only for tool files that dump C structs from memory.
 *
 * <p>Every read checks the remaining length first, so a truncated or hostile buffer yields a
 * {@link MalformedStructureException} naming the structure, the field and the byte offset,
 * never an unchecked exception.
 */
public final class TpmReader {
    private final byte[] data;
    private final String structure;
    private int pos;

    /** Reads {@code data} (copied) as the structure named {@code structure}. */
    public TpmReader(byte[] data, String structure) {
        this.data = data.clone();
        this.structure = structure;
    }

    public String structure() {
        return structure;
    }

    /** Offset of the next byte to be read. */
    public int offset() {
        return pos;
    }

    public int remaining() {
        return data.length - pos;
    }

    public int u8(String field) throws MalformedStructureException {
        need(1, field);
        return data[pos++] & 0xff;
    }

    public int u16(String field) throws MalformedStructureException {
        need(2, field);
        int v = ((data[pos] & 0xff) << 8) | (data[pos + 1] & 0xff);
        pos += 2;
        return v;
    }

    /** An unsigned 32-bit value, widened so it never turns negative. */
    public long u32(String field) throws MalformedStructureException {
        need(4, field);
        long v = 0;
        for (int i = 0; i < 4; i++) {
            v = (v << 8) | (data[pos + i] & 0xff);
        }
        pos += 4;
        return v;
    }

    /** A 64-bit value; callers treat it as unsigned (Long.toUnsignedString and friends). */
    public long u64(String field) throws MalformedStructureException {
        need(8, field);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (data[pos + i] & 0xff);
        }
        pos += 8;
        return v;
    }

    public int u16Le(String field) throws MalformedStructureException {
        need(2, field);
        int v = (data[pos] & 0xff) | ((data[pos + 1] & 0xff) << 8);
        pos += 2;
        return v;
    }

    public long u32Le(String field) throws MalformedStructureException {
        need(4, field);
        long v = 0;
        for (int i = 3; i >= 0; i--) {
            v = (v << 8) | (data[pos + i] & 0xff);
        }
        pos += 4;
        return v;
    }

    public byte[] bytes(int length, String field) throws MalformedStructureException {
        if (length < 0) {
            throw malformed(field, pos, "negative length " + length);
        }
        need(length, field);
        byte[] out = Arrays.copyOfRange(data, pos, pos + length);
        pos += length;
        return out;
    }

    public void skip(int length, String field) throws MalformedStructureException {
        bytes(length, field);
    }

    /** A TPM2B: u16 size then that many bytes; a size above {@code maxSize} is rejected before reading. */
    public byte[] tpm2b(String field, int maxSize) throws MalformedStructureException {
        int at = pos;
        int size = u16(field + ".size");
        if (size > maxSize) {
            throw malformed(field + ".size", at, "size " + size + " exceeds the maximum " + maxSize);
        }
        return bytes(size, field + ".buffer");
    }

    /** The bytes from {@code start} up to the current offset: the encoding of what was just read. */
    public byte[] bytesSince(int start) {
        if (start < 0 || start > pos) {
            throw new IllegalArgumentException("start " + start + " is not within 0.." + pos);
        }
        return Arrays.copyOfRange(data, start, pos);
    }

    /** Rejects trailing bytes: a structure must account for every byte it was given. */
    public void expectEnd() throws MalformedStructureException {
        if (pos != data.length) {
            throw malformed("(end)", pos, (data.length - pos) + " trailing byte(s)");
        }
    }

    /** An error about {@code field} of this structure, located at {@code offset}. */
    public MalformedStructureException malformed(String field, int offset, String problem) {
        return new MalformedStructureException(structure + ": field " + field + " at byte offset " + offset + ": " + problem);
    }

    private void need(int n, String field) throws MalformedStructureException {
        if (n > data.length - pos) {
            throw malformed(field, pos, "truncated, needs " + n + " byte(s) but " + (data.length - pos) + " remain");
        }
    }
}
