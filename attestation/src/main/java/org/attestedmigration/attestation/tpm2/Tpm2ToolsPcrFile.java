package org.attestedmigration.attestation.tpm2;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.MalformedStructureException;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.PcrValues;

/**
 * The PCR file of {@code tpm2_quote -o} / {@code tpm2_checkquote -f} (tpm2-tools 5.x, default
 * "serialized" format). The tool dumps its in-memory C structs with the integers converted to
 * little-endian, so the file carries the structs' full capacity and padding:
 *
 * <pre>
 *   offset 0    TPML_PCR_SELECTION   u32 count (&lt;= 16), then 16 slots of 8 bytes:
 *                                    u16 hash, u8 sizeofSelect (&lt;= 4), u8 pcrSelect[4], u8 padding
 *   offset 132  u32 number of TPML_DIGEST blocks that follow (&lt;= 32)
 *   offset 136  each block, 532 bytes: u32 count (&lt;= 8), then 8 slots of 66 bytes:
 *                                    u16 size (&lt;= 64), u8 buffer[64]
 * </pre>
 *
 * The digests form one stream across the blocks, consumed in selection order with PCR indices
 * ascending within each selection. Slot contents beyond the counts are ignored on reading (they
 * are whatever the tool's stack held) and written as zeros.
 */
public record Tpm2ToolsPcrFile(List<PcrSelection> selections, PcrValues values) {
    static final int MAX_BANKS = 16;
    static final int SELECTION_SLOT = 8;
    static final int SELECTION_LIST_SIZE = 4 + MAX_BANKS * SELECTION_SLOT;
    static final int MAX_BLOCKS = 32;
    static final int DIGESTS_PER_BLOCK = 8;
    static final int DIGEST_BUFFER = 64;
    static final int DIGEST_SLOT = 2 + DIGEST_BUFFER;
    static final int BLOCK_SIZE = 4 + DIGESTS_PER_BLOCK * DIGEST_SLOT;

    public Tpm2ToolsPcrFile {
        selections = List.copyOf(selections);
    }

    /** Parses the file; every count, size and the total length are checked against the layout. */
    public static Tpm2ToolsPcrFile read(byte[] file) throws MalformedStructureException {
        TpmReader r = new TpmReader(file, "tpm2-tools PCR file");
        long count = r.u32Le("pcrSelections.count");
        if (count > MAX_BANKS) {
            throw r.malformed("pcrSelections.count", 0, "count " + count + " exceeds " + MAX_BANKS);
        }
        List<PcrSelection> selections = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < MAX_BANKS; i++) {
            String f = "pcrSelections[" + i + "]";
            if (i >= count) {
                r.skip(SELECTION_SLOT, f + " (unused)");
                continue;
            }
            int hashAt = r.offset();
            int id = r.u16Le(f + ".hash");
            HashAlgorithm bank = HashAlgorithm.fromTpmAlgId(id)
                    .orElseThrow(() -> r.malformed(f + ".hash", hashAt, "unknown or unsupported hash algorithm 0x" + TpmAlg.hex(id)));
            int sizeAt = r.offset();
            int sizeofSelect = r.u8(f + ".sizeofSelect");
            if (sizeofSelect > PcrSelections.MAX_SIZEOF_SELECT) {
                throw r.malformed(f + ".sizeofSelect", sizeAt, "sizeofSelect " + sizeofSelect + " exceeds " + PcrSelections.MAX_SIZEOF_SELECT);
            }
            int bitmapAt = r.offset();
            byte[] bitmap = r.bytes(PcrSelections.MAX_SIZEOF_SELECT, f + ".pcrSelect");
            r.skip(1, f + " (padding)");
            PcrSelection s = PcrSelections.fromBitmap(bank, java.util.Arrays.copyOf(bitmap, sizeofSelect), r, f + ".pcrSelect", bitmapAt);
            for (int pcr : s.pcrs()) {
                if (!seen.add(bank.bankName() + ":" + pcr)) {
                    throw r.malformed(f + ".pcrSelect", bitmapAt, "selects " + bank.bankName() + ":" + pcr + " a second time");
                }
            }
            selections.add(s);
        }

        int blocksAt = r.offset();
        long blocks = r.u32Le("pcrs.count");
        if (blocks > MAX_BLOCKS) {
            throw r.malformed("pcrs.count", blocksAt, "count " + blocks + " exceeds " + MAX_BLOCKS);
        }
        List<byte[]> digests = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        for (int j = 0; j < blocks; j++) {
            String f = "pcrs.pcr_values[" + j + "]";
            int countAt = r.offset();
            long n = r.u32Le(f + ".count");
            if (n > DIGESTS_PER_BLOCK) {
                throw r.malformed(f + ".count", countAt, "count " + n + " exceeds " + DIGESTS_PER_BLOCK);
            }
            for (int k = 0; k < DIGESTS_PER_BLOCK; k++) {
                String d = f + ".digests[" + k + "]";
                if (k >= n) {
                    r.skip(DIGEST_SLOT, d + " (unused)");
                    continue;
                }
                int at = r.offset();
                int size = r.u16Le(d + ".size");
                if (size > DIGEST_BUFFER) {
                    throw r.malformed(d + ".size", at, "size " + size + " exceeds " + DIGEST_BUFFER);
                }
                byte[] buffer = r.bytes(DIGEST_BUFFER, d + ".buffer");
                digests.add(java.util.Arrays.copyOf(buffer, size));
                offsets.add(at);
            }
        }
        r.expectEnd();

        PcrValues.Builder values = PcrValues.builder();
        int next = 0;
        for (PcrSelection s : selections) {
            for (int pcr : s.pcrs()) {
                if (next >= digests.size()) {
                    throw r.malformed("pcrs", blocksAt, "holds " + digests.size() + " digest(s), fewer than the PCRs selected");
                }
                byte[] v = digests.get(next);
                if (v.length != s.bank().digestLength()) {
                    throw r.malformed("pcrs digest #" + next, offsets.get(next), "size " + v.length + " for " + s.bank().bankName()
                            + ":" + pcr + ", expected " + s.bank().digestLength());
                }
                values.put(s.bank(), pcr, v);
                next++;
            }
        }
        if (next != digests.size()) {
            throw r.malformed("pcrs", blocksAt, "holds " + digests.size() + " digest(s) but only " + next + " PCR(s) are selected");
        }
        return new Tpm2ToolsPcrFile(selections, values.build());
    }

    /**
     * Produces the file tpm2_checkquote reads.
     *
     * @throws MissingPcrException if a selected PCR has no value
     * @throws IllegalArgumentException if the selections exceed what the file can hold
     */
    public static byte[] write(List<PcrSelection> selections, PcrValues values) throws MissingPcrException {
        if (selections.size() > MAX_BANKS) {
            throw new IllegalArgumentException(selections.size() + " PCR selections exceed " + MAX_BANKS);
        }
        List<byte[]> digests = new ArrayList<>();
        for (PcrSelection s : selections) {
            for (int pcr : s.pcrs()) {
                digests.add(values.get(s.bank(), pcr).orElseThrow(() -> new MissingPcrException(
                        "PCR " + pcr + " of bank " + s.bank().bankName() + " is selected but has no value")));
            }
        }
        int blocks = (digests.size() + DIGESTS_PER_BLOCK - 1) / DIGESTS_PER_BLOCK;
        if (blocks > MAX_BLOCKS) {
            throw new IllegalArgumentException(digests.size() + " PCR values exceed the file's " + MAX_BLOCKS * DIGESTS_PER_BLOCK);
        }
        ByteBuffer b = ByteBuffer.allocate(SELECTION_LIST_SIZE + 4 + blocks * BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(selections.size());
        for (int i = 0; i < selections.size(); i++) {
            PcrSelection s = selections.get(i);
            b.position(4 + i * SELECTION_SLOT);
            b.putShort((short) s.bank().tpmAlgId());
            b.put((byte) PcrSelections.SIZEOF_SELECT);
            b.put(PcrSelections.toBitmap(s));
        }
        b.position(SELECTION_LIST_SIZE);
        b.putInt(blocks);
        for (int j = 0; j < blocks; j++) {
            int base = SELECTION_LIST_SIZE + 4 + j * BLOCK_SIZE;
            int n = Math.min(DIGESTS_PER_BLOCK, digests.size() - j * DIGESTS_PER_BLOCK);
            b.position(base);
            b.putInt(n);
            for (int k = 0; k < n; k++) {
                byte[] d = digests.get(j * DIGESTS_PER_BLOCK + k);
                b.position(base + 4 + k * DIGEST_SLOT);
                b.putShort((short) d.length);
                b.put(d);
            }
        }
        return b.array();
    }
}
