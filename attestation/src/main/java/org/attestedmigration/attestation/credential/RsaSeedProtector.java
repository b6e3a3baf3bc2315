package org.attestedmigration.attestation.credential;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.attestedmigration.attestation.HashAlgorithm;

/**
 * Seed protection to an RSA EK: a random seed of the nameAlg digest size, encrypted with
 * RSA-OAEP whose hash and MGF1 hash are the EK's nameAlg and whose label is "IDENTITY" including
 * the terminating zero octet, as the TPM decrypts it in ActivateCredential.
 */
final class RsaSeedProtector {
    private static final byte[] LABEL = "IDENTITY\0".getBytes(StandardCharsets.US_ASCII);
    private static final int MIN_MODULUS_BITS = 2048;

    private RsaSeedProtector() {
    }

    static ProtectedSeed protect(RSAPublicKey ek, HashAlgorithm nameAlg, SecureRandom random)
            throws CredentialException {
        int modulusBits = ek.getModulus().bitLength();
        if (modulusBits < MIN_MODULUS_BITS) {
            throw new CredentialException("RSA EK of " + modulusBits + " bits is below the 2048 bits an EK must have");
        }
        byte[] seed = new byte[nameAlg.digestLength()];
        random.nextBytes(seed);
        try {
            Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPPadding");
            OAEPParameterSpec spec = new OAEPParameterSpec(nameAlg.jcaName(), "MGF1",
                    new MGF1ParameterSpec(nameAlg.jcaName()), new PSource.PSpecified(LABEL));
            oaep.init(Cipher.ENCRYPT_MODE, ek, spec, random);
            return new ProtectedSeed(seed, oaep.doFinal(seed));
        } catch (GeneralSecurityException e) {
            throw new CredentialException("RSA-OAEP with " + nameAlg.jcaName() + " to the EK failed", e);
        }
    }
}
