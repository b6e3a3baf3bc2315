package org.attestedmigration.attestation.eventlog;

import java.util.Arrays;
import org.attestedmigration.attestation.MalformedStructureException;

/**
 * Bounds-checked little-endian cursor over a byte array. Every read names the structure and field
 * it is for, so a short or hostile input ends in a {@link MalformedStructureException} that says
 * where, never in an index exception.
 */
final class LeReader {
    private final byte[] buf;
    private int pos;
    private String structure = "event log";

    LeReader(byte[] buf) {
        this.buf = buf;
    }

    /** Names the structure the next reads belong to, e.g. "event #3 (TCG_PCR_EVENT2)". */
    void structure(String structure) {
        this.structure = structure;
    }

    int position() {
        return pos;
    }

    int remaining() {
        return buf.length - pos;
    }

    MalformedStructureException error(String field, String problem) {
        return error(field, pos, problem);
    }

    MalformedStructureException error(String field, int offset, String problem) {
        return new MalformedStructureException(
                "TCG event log, " + structure + ", field " + field + " at byte offset " + offset + ": " + problem);
    }

    private void need(String field, int n) throws MalformedStructureException {
        if (n > remaining()) {
            throw error(field, "truncated: needs " + n + " bytes, " + remaining() + " left");
        }
    }

    int u8(String field) throws MalformedStructureException {
        need(field, 1);
        return buf[pos++] & 0xFF;
    }

    int u16(String field) throws MalformedStructureException {
        need(field, 2);
        int v = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8;
        pos += 2;
        return v;
    }

    /** Unsigned 32-bit value; a long so bounds checks cannot be fooled by sign. */
    long u32(String field) throws MalformedStructureException {
        need(field, 4);
        long v = (buf[pos] & 0xFFL) | (buf[pos + 1] & 0xFFL) << 8 | (buf[pos + 2] & 0xFFL) << 16
                | (buf[pos + 3] & 0xFFL) << 24;
        pos += 4;
        return v;
    }

    byte[] bytes(String field, int n) throws MalformedStructureException {
        need(field, n);
        byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return out;
    }
}
