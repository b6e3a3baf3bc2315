package org.attestedmigration.attestation.tpm2;

import java.util.Optional;

/** The TPM signature schemes a quote verifier accepts, with the key type each one needs. */
public enum SignatureScheme {
    RSASSA(TpmAlg.RSASSA, TpmAlg.RSA),
    RSAPSS(TpmAlg.RSAPSS, TpmAlg.RSA),
    ECDSA(TpmAlg.ECDSA, TpmAlg.ECC);

    private final int tpmAlgId;
    private final int keyType;

    SignatureScheme(int tpmAlgId, int keyType) {
        this.tpmAlgId = tpmAlgId;
        this.keyType = keyType;
    }

    public int tpmAlgId() {
        return tpmAlgId;
    }

    /** TPM_ALG_RSA or TPM_ALG_ECC. */
    public int keyType() {
        return keyType;
    }

    public static Optional<SignatureScheme> fromTpmAlgId(int id) {
        for (SignatureScheme s : values()) {
            if (s.tpmAlgId == id) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
