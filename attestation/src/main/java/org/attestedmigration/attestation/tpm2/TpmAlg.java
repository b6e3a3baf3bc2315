package org.attestedmigration.attestation.tpm2;

import java.util.Optional;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.MalformedStructureException;

/** TPM_ALG_ID values (TPM 2.0 Part 2, table "TPM_ALG_ID Constants") used by the parsers here. */
public final class TpmAlg {
    public static final int RSA = 0x0001;
    public static final int AES = 0x0006;
    public static final int MGF1 = 0x0007;
    public static final int KEYEDHASH = 0x0008;
    public static final int NULL = 0x0010;
    public static final int SM4 = 0x0013;
    public static final int RSASSA = 0x0014;
    public static final int RSAES = 0x0015;
    public static final int RSAPSS = 0x0016;
    public static final int OAEP = 0x0017;
    public static final int ECDSA = 0x0018;
    public static final int ECDH = 0x0019;
    public static final int ECDAA = 0x001A;
    public static final int SM2 = 0x001B;
    public static final int ECSCHNORR = 0x001C;
    public static final int KDF1_SP800_56A = 0x0020;
    public static final int KDF2 = 0x0021;
    public static final int KDF1_SP800_108 = 0x0022;
    public static final int ECC = 0x0023;
    public static final int SYMCIPHER = 0x0025;
    public static final int CAMELLIA = 0x0026;
    public static final int CTR = 0x0040;
    public static final int OFB = 0x0041;
    public static final int CBC = 0x0042;
    public static final int CFB = 0x0043;
    public static final int ECB = 0x0044;

    private TpmAlg() {
    }

    /** A TPMI_ALG_HASH that must name one of the supported hashes (TPM_ALG_NULL is refused). */
    public static HashAlgorithm readHash(TpmReader r, String field) throws MalformedStructureException {
        int at = r.offset();
        int id = r.u16(field);
        return HashAlgorithm.fromTpmAlgId(id)
                .orElseThrow(() -> r.malformed(field, at, "unknown or unsupported hash algorithm 0x" + hex(id)));
    }

    /** A TPMI_ALG_HASH+ : a supported hash, or empty for TPM_ALG_NULL. */
    public static Optional<HashAlgorithm> readHashOrNull(TpmReader r, String field) throws MalformedStructureException {
        int at = r.offset();
        int id = r.u16(field);
        if (id == NULL) {
            return Optional.empty();
        }
        return Optional.of(HashAlgorithm.fromTpmAlgId(id)
                .orElseThrow(() -> r.malformed(field, at, "unknown or unsupported hash algorithm 0x" + hex(id))));
    }

    static String hex(int algId) {
        return String.format("%04x", algId);
    }
}
