package org.attestedmigration.attestation.credential;

import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;

/**
 * Recognises a named curve by its parameters. Field size alone is not enough: other 256-bit
 * curves (secp256k1, brainpoolP256r1) exist and have no TCG default EK template.
 */
final class NistCurves {
    private NistCurves() {
    }

    static boolean isCurve(ECParameterSpec params, String stdName) {
        try {
            AlgorithmParameters ap = AlgorithmParameters.getInstance("EC");
            ap.init(new ECGenParameterSpec(stdName));
            ECParameterSpec named = ap.getParameterSpec(ECParameterSpec.class);
            return named.getCurve().equals(params.getCurve()) && named.getGenerator().equals(params.getGenerator())
                    && named.getOrder().equals(params.getOrder()) && named.getCofactor() == params.getCofactor();
        } catch (GeneralSecurityException e) {
            // A runtime without this curve cannot have produced a key on it either.
            return false;
        }
    }
}
