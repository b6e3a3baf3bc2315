package org.attestedmigration.attestation.tpm2;

import java.util.Optional;
import java.util.Set;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.MalformedStructureException;

/**
 * An algorithm with its hash: TPMT_RSA_SCHEME, TPMT_ECC_SCHEME or TPMT_KDF_SCHEME. {@code hash}
 * is empty for TPM_ALG_NULL and for RSAES, which has no hash; {@code count} is only used by ECDAA.
 */
public record SchemeDefinition(int algorithm, Optional<HashAlgorithm> hash, int count) {
    public static final SchemeDefinition NULL = new SchemeDefinition(TpmAlg.NULL, Optional.empty(), 0);

    static final Set<Integer> RSA_SCHEMES = Set.of(TpmAlg.RSASSA, TpmAlg.RSAPSS, TpmAlg.RSAES, TpmAlg.OAEP);
    static final Set<Integer> ECC_SCHEMES = Set.of(TpmAlg.ECDSA, TpmAlg.ECDH, TpmAlg.ECDAA, TpmAlg.SM2, TpmAlg.ECSCHNORR);
    static final Set<Integer> KDF_SCHEMES = Set.of(TpmAlg.MGF1, TpmAlg.KDF1_SP800_56A, TpmAlg.KDF2, TpmAlg.KDF1_SP800_108);

    public boolean isNull() {
        return algorithm == TpmAlg.NULL;
    }

    /** The signature scheme, when this is one a quote verifier can check. */
    public Optional<SignatureScheme> signatureScheme() {
        return SignatureScheme.fromTpmAlgId(algorithm);
    }

    static SchemeDefinition parse(TpmReader r, String field, Set<Integer> allowed) throws MalformedStructureException {
        int at = r.offset();
        int alg = r.u16(field + ".scheme");
        if (alg == TpmAlg.NULL) {
            return NULL;
        }
        if (!allowed.contains(alg)) {
            throw r.malformed(field + ".scheme", at, "scheme 0x" + TpmAlg.hex(alg) + " is not allowed here");
        }
        if (alg == TpmAlg.RSAES) {
            return new SchemeDefinition(alg, Optional.empty(), 0);
        }
        HashAlgorithm hash = TpmAlg.readHash(r, field + ".details.hashAlg");
        int count = alg == TpmAlg.ECDAA ? r.u16(field + ".details.count") : 0;
        return new SchemeDefinition(alg, Optional.of(hash), count);
    }
}
