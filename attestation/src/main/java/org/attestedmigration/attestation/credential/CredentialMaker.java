package org.attestedmigration.attestation.credential;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.MalformedStructureException;

/**
 * TPM2_MakeCredential done in software by the verifier (TPM 2.0 Part 1, credential protection;
 * Part 3, MakeCredential). The result can be opened only by TPM2_ActivateCredential on the TPM
 * that holds the EK's private key and has an object loaded whose name is the given AK name.
 *
 * <p>Thread-safe if the given {@link SecureRandom} is (the JDK's are).
 */
public final class CredentialMaker {
    private static final String STORAGE_LABEL = "STORAGE";
    private static final String INTEGRITY_LABEL = "INTEGRITY";

    private final SecureRandom random;

    public CredentialMaker() {
        this(new SecureRandom());
    }

    public CredentialMaker(SecureRandom random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    /**
     * Makes a credential around a fresh random secret as long as the EK nameAlg's digest.
     *
     * @throws MalformedStructureException if the AK name is not an object name
     * @throws CredentialException if the EK is not usable for credential protection
     */
    public CredentialChallenge makeCredential(EndorsementKeyParameters ek, byte[] akName)
            throws MalformedStructureException, CredentialException {
        byte[] secret = new byte[ek.nameAlg().digestLength()];
        random.nextBytes(secret);
        try {
            return makeCredential(ek, akName, secret);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /**
     * Makes a credential around the given secret.
     *
     * @param akName TPM name of the attestation key: 2-byte nameAlg then the digest of its public
     *     area
     * @param secret 1 to digest-size-of-EK-nameAlg bytes; the TPM refuses longer ones
     * @throws MalformedStructureException if the AK name is not an object name
     * @throws CredentialException if the EK is not usable for credential protection
     */
    public CredentialChallenge makeCredential(EndorsementKeyParameters ek, byte[] akName, byte[] secret)
            throws MalformedStructureException, CredentialException {
        Objects.requireNonNull(ek, "ek");
        Objects.requireNonNull(secret, "secret");
        TpmNames.checkObjectName(akName);
        HashAlgorithm nameAlg = ek.nameAlg();
        if (secret.length == 0 || secret.length > nameAlg.digestLength()) {
            throw new IllegalArgumentException("secret must be 1.." + nameAlg.digestLength() + " bytes for an EK with "
                    + nameAlg.jcaName() + " nameAlg, not " + secret.length);
        }

        ProtectedSeed seed = protectSeed(ek);
        try {
            byte[] symKey = Kdfa.derive(nameAlg, seed.seed(), STORAGE_LABEL, akName, null, ek.aesKeyBits());
            byte[] encIdentity = aesCfbZeroIv(symKey, Tpm2b.encode(secret));
            Arrays.fill(symKey, (byte) 0);

            byte[] hmacKey = Kdfa.derive(nameAlg, seed.seed(), INTEGRITY_LABEL, null, null,
                    nameAlg.digestLength() * 8);
            Mac hmac = Kdfa.newHmac(nameAlg, hmacKey);
            Arrays.fill(hmacKey, (byte) 0);
            hmac.update(encIdentity);
            hmac.update(akName);
            byte[] integrity = hmac.doFinal();

            ByteArrayOutputStream blob = new ByteArrayOutputStream();
            blob.writeBytes(Tpm2b.encode(integrity));
            blob.writeBytes(encIdentity);
            EncryptedCredential credential = new EncryptedCredential(blob.toByteArray(), seed.encryptedSecret());
            return new CredentialChallenge(credential, akName, secret);
        } finally {
            Arrays.fill(seed.seed(), (byte) 0);
        }
    }

    private ProtectedSeed protectSeed(EndorsementKeyParameters ek) throws CredentialException {
        if (ek.publicKey() instanceof RSAPublicKey rsa) {
            return RsaSeedProtector.protect(rsa, ek.nameAlg(), random);
        }
        return EccSeedProtector.protect((ECPublicKey) ek.publicKey(), ek.nameAlg(), random);
    }

    private static byte[] aesCfbZeroIv(byte[] key, byte[] plaintext) throws CredentialException {
        try {
            // The TPM's CFB is CFB-128 (full block feedback), which is what JCA's plain "CFB" is for AES.
            Cipher aes = Cipher.getInstance("AES/CFB/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[16]));
            return aes.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new CredentialException("AES-CFB encryption of the credential failed", e);
        }
    }
}
