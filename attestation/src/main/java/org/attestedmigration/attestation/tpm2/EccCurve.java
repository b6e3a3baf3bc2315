package org.attestedmigration.attestation.tpm2;

import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.util.Optional;

/** The TPM_ECC_CURVE values this project accepts: the NIST prime curves. */
public enum EccCurve {
    NIST_P256(0x0003, "secp256r1", 32),
    NIST_P384(0x0004, "secp384r1", 48),
    NIST_P521(0x0005, "secp521r1", 66);

    private final int tpmCurveId;
    private final String jcaName;
    private final int coordinateBytes;

    EccCurve(int tpmCurveId, String jcaName, int coordinateBytes) {
        this.tpmCurveId = tpmCurveId;
        this.jcaName = jcaName;
        this.coordinateBytes = coordinateBytes;
    }

    public int tpmCurveId() {
        return tpmCurveId;
    }

    public String jcaName() {
        return jcaName;
    }

    /** Bytes of a field element; a TPM point coordinate is never longer. */
    public int coordinateBytes() {
        return coordinateBytes;
    }

    public static Optional<EccCurve> fromTpmCurveId(int id) {
        for (EccCurve c : values()) {
            if (c.tpmCurveId == id) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** Domain parameters from the platform's EC provider. */
    public ECParameterSpec parameterSpec() {
        try {
            AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
            p.init(new ECGenParameterSpec(jcaName));
            return p.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            // SunEC ships all three NIST curves; their absence is a broken runtime, not bad input.
            throw new IllegalStateException("curve " + jcaName + " is missing from this Java runtime", e);
        }
    }
}
