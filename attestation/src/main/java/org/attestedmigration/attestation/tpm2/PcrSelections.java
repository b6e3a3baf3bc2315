package org.attestedmigration.attestation.tpm2;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.MalformedStructureException;
import org.attestedmigration.attestation.PcrSelection;

/** TPML_PCR_SELECTION marshalling; the list order is kept because the PCR digest depends on it. */
public final class PcrSelections {
    /** TPM2_NUM_PCR_BANKS: the capacity of TPML_PCR_SELECTION. */
    public static final int MAX_BANKS = 16;
    /** PCR_SELECT_MAX: bitmap bytes a TPMS_PCR_SELECTION may carry. */
    public static final int MAX_SIZEOF_SELECT = 4;
    /** The bitmap size this project writes: 3 bytes cover PCRs 0..23. */
    public static final int SIZEOF_SELECT = 3;

    private PcrSelections() {
    }

    /** Parses a complete TPML_PCR_SELECTION, rejecting trailing bytes. */
    public static List<PcrSelection> parse(byte[] bytes) throws MalformedStructureException {
        TpmReader r = new TpmReader(bytes, "TPML_PCR_SELECTION");
        List<PcrSelection> result = parse(r, "pcrSelections");
        r.expectEnd();
        return result;
    }

    /** Reads a TPML_PCR_SELECTION in place; {@code field} prefixes the field names in errors. */
    public static List<PcrSelection> parse(TpmReader r, String field) throws MalformedStructureException {
        int countAt = r.offset();
        long count = r.u32(field + ".count");
        if (count > MAX_BANKS) {
            throw r.malformed(field + ".count", countAt, "count " + count + " exceeds " + MAX_BANKS);
        }
        List<PcrSelection> result = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
            String f = field + "[" + i + "]";
            HashAlgorithm bank = TpmAlg.readHash(r, f + ".hash");
            int sizeAt = r.offset();
            int sizeofSelect = r.u8(f + ".sizeofSelect");
            if (sizeofSelect > MAX_SIZEOF_SELECT) {
                throw r.malformed(f + ".sizeofSelect", sizeAt, "sizeofSelect " + sizeofSelect + " exceeds " + MAX_SIZEOF_SELECT);
            }
            int bitmapAt = r.offset();
            byte[] bitmap = r.bytes(sizeofSelect, f + ".pcrSelect");
            result.add(fromBitmap(bank, bitmap, r, f + ".pcrSelect", bitmapAt));
        }
        return List.copyOf(result);
    }

    /**
     * Builds a selection from a pcrSelect bitmap (bit {@code n%8} of byte {@code n/8} selects PCR n).
     * Shared with the tpm2-tools PCR file reader, whose bitmaps have the same meaning.
     */
    static PcrSelection fromBitmap(HashAlgorithm bank, byte[] bitmap, TpmReader r, String field, int offset)
            throws MalformedStructureException {
        TreeSet<Integer> pcrs = new TreeSet<>();
        for (int n = 0; n < bitmap.length * 8; n++) {
            if ((bitmap[n / 8] & (1 << (n % 8))) != 0) {
                if (n >= PcrSelection.PCR_COUNT) {
                    throw r.malformed(field, offset, "selects PCR " + n + ", beyond PCR " + (PcrSelection.PCR_COUNT - 1));
                }
                pcrs.add(n);
            }
        }
        return new PcrSelection(bank, pcrs);
    }

    static byte[] toBitmap(PcrSelection selection) {
        byte[] bitmap = new byte[SIZEOF_SELECT];
        for (int pcr : selection.pcrs()) {
            bitmap[pcr / 8] |= (byte) (1 << (pcr % 8));
        }
        return bitmap;
    }

    /** @throws IllegalArgumentException for more than {@value #MAX_BANKS} selections */
    public static void marshal(TpmWriter w, List<PcrSelection> selections) {
        if (selections.size() > MAX_BANKS) {
            throw new IllegalArgumentException(selections.size() + " PCR selections exceed " + MAX_BANKS);
        }
        w.u32(selections.size());
        for (PcrSelection s : selections) {
            w.u16(s.bank().tpmAlgId()).u8(SIZEOF_SELECT).bytes(toBitmap(s));
        }
    }

    public static byte[] marshal(List<PcrSelection> selections) {
        TpmWriter w = new TpmWriter();
        marshal(w, selections);
        return w.toByteArray();
    }
}
