package org.attestedmigration.attestation.tpm2;

import org.attestedmigration.attestation.MalformedStructureException;

/**
 * TPMT_SYM_DEF_OBJECT: the symmetric algorithm of a storage or endorsement key (what
 * TPM2_ActivateCredential uses to protect the credential), or TPM_ALG_NULL with keyBits and mode 0.
 */
public record SymmetricDefinition(int algorithm, int keyBits, int mode) {
    public static final SymmetricDefinition NULL = new SymmetricDefinition(TpmAlg.NULL, 0, 0);

    public boolean isNull() {
        return algorithm == TpmAlg.NULL;
    }

    static SymmetricDefinition parse(TpmReader r, String field) throws MalformedStructureException {
        int algAt = r.offset();
        int alg = r.u16(field + ".algorithm");
        if (alg == TpmAlg.NULL) {
            return NULL;
        }
        if (alg != TpmAlg.AES && alg != TpmAlg.SM4 && alg != TpmAlg.CAMELLIA) {
            throw r.malformed(field + ".algorithm", algAt, "unsupported symmetric algorithm 0x" + TpmAlg.hex(alg));
        }
        int bitsAt = r.offset();
        int keyBits = r.u16(field + ".keyBits");
        boolean bitsOk = alg == TpmAlg.SM4 ? keyBits == 128 : keyBits == 128 || keyBits == 192 || keyBits == 256;
        if (!bitsOk) {
            throw r.malformed(field + ".keyBits", bitsAt, keyBits + " is not a key size of algorithm 0x" + TpmAlg.hex(alg));
        }
        int modeAt = r.offset();
        int mode = r.u16(field + ".mode");
        if (mode != TpmAlg.NULL && (mode < TpmAlg.CTR || mode > TpmAlg.ECB)) {
            throw r.malformed(field + ".mode", modeAt, "unknown symmetric mode 0x" + TpmAlg.hex(mode));
        }
        return new SymmetricDefinition(alg, keyBits, mode);
    }

    void marshal(TpmWriter w) {
        w.u16(algorithm);
        if (!isNull()) {
            w.u16(keyBits).u16(mode);
        }
    }
}
