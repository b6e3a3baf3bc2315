package org.attestedmigration.attestation.credential;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.MGF1ParameterSpec;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;
import org.attestedmigration.attestation.HashAlgorithm;

/**
 * The TPM's side of credential activation done in software with the EK private key, so that unit
 * tests can open what {@link CredentialMaker} produces without a TPM. Written from the spec's
 * description of ActivateCredential, independently of the production code paths except the KDFs.
 */
final class SoftwareActivator {
    private SoftwareActivator() {
    }

    /** Returns the secret, or throws if the integrity check for {@code akName} fails. */
    static byte[] activate(EncryptedCredential credential, PrivateKey ekPrivate, ECPublicKey ekPublicIfEcc,
            HashAlgorithm nameAlg, int aesKeyBits, byte[] akName) throws Exception {
        byte[] seed = recoverSeed(credential.encryptedSecret(), ekPrivate, ekPublicIfEcc, nameAlg);

        ByteBuffer blob = ByteBuffer.wrap(credential.credentialBlob());
        byte[] integrity = new byte[Short.toUnsignedInt(blob.getShort())];
        blob.get(integrity);
        byte[] encIdentity = new byte[blob.remaining()];
        blob.get(encIdentity);

        byte[] hmacKey = Kdfa.derive(nameAlg, seed, "INTEGRITY", null, null, nameAlg.digestLength() * 8);
        String macName = "Hmac" + nameAlg.jcaName().replace("-", "");
        Mac mac = Mac.getInstance(macName);
        mac.init(new SecretKeySpec(hmacKey, macName));
        mac.update(encIdentity);
        mac.update(akName);
        if (!MessageDigest.isEqual(mac.doFinal(), integrity)) {
            throw new SecurityException("integrity HMAC mismatch (wrong EK or wrong AK name)");
        }

        byte[] symKey = Kdfa.derive(nameAlg, seed, "STORAGE", akName, null, aesKeyBits);
        Cipher aes = Cipher.getInstance("AES/CFB/NoPadding");
        aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(symKey, "AES"), new IvParameterSpec(new byte[16]));
        ByteBuffer plain = ByteBuffer.wrap(aes.doFinal(encIdentity));
        byte[] secret = new byte[Short.toUnsignedInt(plain.getShort())];
        plain.get(secret);
        if (plain.hasRemaining()) {
            throw new SecurityException("trailing bytes after the secret");
        }
        return secret;
    }

    private static byte[] recoverSeed(byte[] encryptedSecret, PrivateKey ekPrivate, ECPublicKey ekPublic,
            HashAlgorithm nameAlg) throws Exception {
        if (ekPrivate instanceof ECPrivateKey ec) {
            ByteBuffer in = ByteBuffer.wrap(encryptedSecret);
            byte[] x = new byte[Short.toUnsignedInt(in.getShort())];
            in.get(x);
            byte[] y = new byte[Short.toUnsignedInt(in.getShort())];
            in.get(y);
            ECPublicKey ephemeral = (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(
                    new ECPoint(new BigInteger(1, x), new BigInteger(1, y)), ec.getParams()));
            KeyAgreement ka = KeyAgreement.getInstance("ECDH");
            ka.init(ec);
            ka.doPhase(ephemeral, true);
            byte[] z = ka.generateSecret();
            int len = (ec.getParams().getCurve().getField().getFieldSize() + 7) / 8;
            byte[] ekX = EccSeedProtector.fixedLength(ekPublic.getW().getAffineX(), len);
            return Kdfe.derive(nameAlg, z, "IDENTITY", x, ekX, nameAlg.digestLength() * 8);
        }
        Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPPadding");
        oaep.init(Cipher.DECRYPT_MODE, ekPrivate, new OAEPParameterSpec(nameAlg.jcaName(), "MGF1",
                new MGF1ParameterSpec(nameAlg.jcaName()),
                new PSource.PSpecified("IDENTITY\0".getBytes(StandardCharsets.US_ASCII))));
        return oaep.doFinal(encryptedSecret);
    }
}
