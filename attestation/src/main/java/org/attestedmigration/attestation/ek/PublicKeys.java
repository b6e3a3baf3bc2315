package org.attestedmigration.attestation.ek;

import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECParameterSpec;
import java.util.Arrays;

/**
 * Key equality by value. Encodings are not compared first because the same EC key can be encoded
 * with a named curve or with explicit parameters depending on where it came from.
 */
final class PublicKeys {
    private PublicKeys() {
    }

    static boolean sameKey(PublicKey a, PublicKey b) {
        if (a == null || b == null) {
            return false;
        }
        if (a instanceof RSAPublicKey ra && b instanceof RSAPublicKey rb) {
            return ra.getModulus().equals(rb.getModulus()) && ra.getPublicExponent().equals(rb.getPublicExponent());
        }
        if (a instanceof ECPublicKey ea && b instanceof ECPublicKey eb) {
            return ea.getW().equals(eb.getW()) && sameCurve(ea.getParams(), eb.getParams());
        }
        return a.getAlgorithm().equals(b.getAlgorithm()) && Arrays.equals(a.getEncoded(), b.getEncoded());
    }

    private static boolean sameCurve(ECParameterSpec a, ECParameterSpec b) {
        return a.getCurve().equals(b.getCurve()) && a.getGenerator().equals(b.getGenerator())
                && a.getOrder().equals(b.getOrder()) && a.getCofactor() == b.getCofactor();
    }
}
