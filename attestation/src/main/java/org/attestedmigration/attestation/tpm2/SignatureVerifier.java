package org.attestedmigration.attestation.tpm2;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.ProviderException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import org.attestedmigration.attestation.HashAlgorithm;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;

/**
 * Checks a {@link TpmSignature} with a JCA public key, using the platform providers (SunRsaSign,
 * SunEC) rather than any provider this project might register.
 */
public final class SignatureVerifier {
    private SignatureVerifier() {
    }

    /**
     * @return whether {@code signature} is a valid signature over {@code message} by {@code key}
     * @throws SignatureKeyMismatchException if the key type does not fit the signature scheme
     */
    public static boolean verify(PublicKey key, byte[] message, TpmSignature signature) throws SignatureKeyMismatchException {
        if (signature instanceof TpmSignature.Rsa rsa) {
            if (!(key instanceof RSAPublicKey rsaKey)) {
                throw new SignatureKeyMismatchException(rsa.scheme() + " signature needs an RSA key, got " + key.getAlgorithm());
            }
            return rsa.scheme() == SignatureScheme.RSASSA
                    ? verifyPkcs1(rsaKey, message, rsa)
                    : verifyPss(rsaKey, message, rsa);
        }
        TpmSignature.Ecdsa ecdsa = (TpmSignature.Ecdsa) signature;
        if (!(key instanceof ECPublicKey)) {
            throw new SignatureKeyMismatchException("ECDSA signature needs an EC key, got " + key.getAlgorithm());
        }
        byte[] der;
        try {
            der = new DERSequence(new ASN1Encodable[] {
                    new ASN1Integer(new BigInteger(1, ecdsa.r())), new ASN1Integer(new BigInteger(1, ecdsa.s()))}).getEncoded();
        } catch (IOException e) {
            // DER encoding of two integers into memory has no I/O to fail.
            throw new IllegalStateException(e);
        }
        return check(jcaName(ecdsa.hash(), "ECDSA"), null, key, message, der);
    }

    private static boolean verifyPkcs1(RSAPublicKey key, byte[] message, TpmSignature.Rsa sig) throws SignatureKeyMismatchException {
        return check(jcaName(sig.hash(), "RSA"), null, key, message, sig.signature());
    }

    /**
     * TPM 2.0 Part 1 asks for salt = digest length, but some TPMs (older firmware, FIPS-mode
     * parts) use the largest salt the modulus allows, so both are accepted.
     */
    private static boolean verifyPss(RSAPublicKey key, byte[] message, TpmSignature.Rsa sig) throws SignatureKeyMismatchException {
        HashAlgorithm h = sig.hash();
        int emLen = (key.getModulus().bitLength() - 1 + 7) / 8;
        int maxSalt = emLen - h.digestLength() - 2;
        if (check("RSASSA-PSS", pss(h, h.digestLength()), key, message, sig.signature())) {
            return true;
        }
        return maxSalt > h.digestLength() && check("RSASSA-PSS", pss(h, maxSalt), key, message, sig.signature());
    }

    private static PSSParameterSpec pss(HashAlgorithm h, int salt) {
        return new PSSParameterSpec(h.jcaName(), "MGF1", new MGF1ParameterSpec(h.jcaName()), salt, PSSParameterSpec.TRAILER_FIELD_BC);
    }

    private static String jcaName(HashAlgorithm h, String keyAlg) {
        return h.jcaName().replace("-", "") + "with" + keyAlg;
    }

    private static boolean check(String algorithm, PSSParameterSpec params, PublicKey key, byte[] message, byte[] sig)
            throws SignatureKeyMismatchException {
        Signature verifier;
        try {
            verifier = Signature.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is missing from this Java runtime", e);
        }
        try {
            if (params != null) {
                verifier.setParameter(params);
            }
            verifier.initVerify(key);
            verifier.update(message);
            return verifier.verify(sig);
        } catch (InvalidKeyException e) {
            throw new SignatureKeyMismatchException("key cannot be used for " + algorithm + ": " + e.getMessage());
        } catch (SignatureException | InvalidAlgorithmParameterException | ProviderException e) {
            // A signature the provider cannot even decode (wrong length, salt too large for the key) is simply not valid.
            return false;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
