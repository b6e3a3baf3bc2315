package org.attestedmigration.attestation.credential;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECParameterSpec;
import java.util.Arrays;
import javax.crypto.KeyAgreement;
import org.attestedmigration.attestation.HashAlgorithm;

/**
 * Seed protection to an ECC EK (one-pass Diffie-Hellman, C(1,1,ECC CDH)): an ephemeral key on
 * the EK's curve, Z the x-coordinate of the shared point, and seed = KDFe(nameAlg, Z, "IDENTITY",
 * ephemeral x, EK x). The ephemeral public point, as a TPMS_ECC_POINT, is the encrypted secret.
 */
final class EccSeedProtector {
    private static final String LABEL = "IDENTITY";

    private EccSeedProtector() {
    }

    static ProtectedSeed protect(ECPublicKey ek, HashAlgorithm nameAlg, SecureRandom random)
            throws CredentialException {
        ECParameterSpec curve = ek.getParams();
        int coordinateLength = (curve.getCurve().getField().getFieldSize() + 7) / 8;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(curve, random);
            KeyPair ephemeral = generator.generateKeyPair();
            KeyAgreement ecdh = KeyAgreement.getInstance("ECDH");
            ecdh.init(ephemeral.getPrivate(), random);
            ecdh.doPhase(ek, true);
            byte[] z = fixedLength(new BigInteger(1, ecdh.generateSecret()), coordinateLength);

            ECPublicKey ephemeralPublic = (ECPublicKey) ephemeral.getPublic();
            // The TPM hashes the coordinates as they appear in its TPM2B_ECC_PARAMETERs, which are
            // always padded to the curve's size; the same padding must be used here.
            byte[] ephemeralX = fixedLength(ephemeralPublic.getW().getAffineX(), coordinateLength);
            byte[] ephemeralY = fixedLength(ephemeralPublic.getW().getAffineY(), coordinateLength);
            byte[] ekX = fixedLength(ek.getW().getAffineX(), coordinateLength);

            byte[] seed = Kdfe.derive(nameAlg, z, LABEL, ephemeralX, ekX, nameAlg.digestLength() * 8);
            Arrays.fill(z, (byte) 0);

            ByteArrayOutputStream point = new ByteArrayOutputStream();
            point.writeBytes(Tpm2b.encode(ephemeralX));
            point.writeBytes(Tpm2b.encode(ephemeralY));
            return new ProtectedSeed(seed, point.toByteArray());
        } catch (GeneralSecurityException e) {
            throw new CredentialException("ECDH with the EK on its curve failed", e);
        }
    }

    /** Big-endian, unsigned, left-padded with zeros to exactly {@code length} bytes. */
    static byte[] fixedLength(BigInteger value, int length) {
        byte[] raw = value.toByteArray();
        if (raw.length == length) {
            return raw;
        }
        byte[] out = new byte[length];
        if (raw.length > length) {
            // Only a sign byte can make it longer; anything else is not a coordinate of this curve.
            if (raw.length != length + 1 || raw[0] != 0) {
                throw new IllegalArgumentException("value does not fit " + length + " bytes");
            }
            System.arraycopy(raw, 1, out, 0, length);
        } else {
            System.arraycopy(raw, 0, out, length - raw.length, raw.length);
        }
        return out;
    }
}
