package org.attestedmigration.attestation.credential;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.MalformedStructureException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CredentialMakerTest {
    private static KeyPair rsa2048;
    private static KeyPair p256;
    private static KeyPair p384;
    private final SecureRandom random = new SecureRandom();
    private final CredentialMaker maker = new CredentialMaker(random);

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        rsa2048 = rsa.generateKeyPair();
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        p256 = ec.generateKeyPair();
        ec.initialize(new ECGenParameterSpec("secp384r1"));
        p384 = ec.generateKeyPair();
    }

    private byte[] akName(HashAlgorithm alg) {
        byte[] name = new byte[2 + alg.digestLength()];
        random.nextBytes(name);
        name[0] = (byte) (alg.tpmAlgId() >> 8);
        name[1] = (byte) alg.tpmAlgId();
        return name;
    }

    private static byte[] activate(CredentialChallenge c, KeyPair ek, EndorsementKeyParameters params,
            byte[] name) throws Exception {
        ECPublicKey ecPub = ek.getPublic() instanceof ECPublicKey e ? e : null;
        return SoftwareActivator.activate(c.encryptedCredential(), ek.getPrivate(), ecPub, params.nameAlg(),
                params.aesKeyBits(), name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa2048", "p256", "p384"})
    void softwareActivationWithTheEkRecoversTheSecret(String which) throws Exception {
        KeyPair ek = switch (which) {
            case "rsa2048" -> rsa2048;
            case "p256" -> p256;
            default -> p384;
        };
        EndorsementKeyParameters params = EndorsementKeyParameters.tcgDefault(ek.getPublic());
        byte[] name = akName(HashAlgorithm.SHA256);
        byte[] secret = new byte[params.nameAlg().digestLength()];
        random.nextBytes(secret);

        CredentialChallenge challenge = maker.makeCredential(params, name, secret);

        byte[] answer = activate(challenge, ek, params, name);
        assertArrayEquals(secret, answer);
        assertTrue(challenge.matches(answer));
        assertArrayEquals(name, challenge.akName());
    }

    @Test
    void layoutOfTheRsaCredentialIsHmacThenEncryptedTpm2bSecret() throws Exception {
        EndorsementKeyParameters params = EndorsementKeyParameters.tcgDefault(rsa2048.getPublic());
        CredentialChallenge c = maker.makeCredential(params, akName(HashAlgorithm.SHA256), new byte[20]);
        byte[] blob = c.encryptedCredential().credentialBlob();
        assertEquals(2 + 32 + 2 + 20, blob.length);
        assertEquals(0, blob[0]);
        assertEquals(32, blob[1]);
        assertEquals(256, c.encryptedCredential().encryptedSecret().length);
    }

    @Test
    void eccEncryptedSecretIsAnEphemeralPointPaddedToTheCurveSize() throws Exception {
        EndorsementKeyParameters params = EndorsementKeyParameters.tcgDefault(p384.getPublic());
        assertEquals(HashAlgorithm.SHA384, params.nameAlg());
        assertEquals(256, params.aesKeyBits());
        CredentialChallenge c = maker.makeCredential(params, akName(HashAlgorithm.SHA384));
        byte[] point = c.encryptedCredential().encryptedSecret();
        assertEquals(2 + 48 + 2 + 48, point.length);
        assertEquals(48, point[1]);
        assertEquals(48, point[2 + 48 + 1]);
        assertEquals(48, c.secretLength());
    }

    @Test
    void aCredentialForAnotherNameFailsIntegrity() throws Exception {
        EndorsementKeyParameters params = EndorsementKeyParameters.tcgDefault(p256.getPublic());
        byte[] name = akName(HashAlgorithm.SHA256);
        CredentialChallenge c = maker.makeCredential(params, name);
        byte[] other = name.clone();
        other[5] ^= 1;
        assertThrows(SecurityException.class, () -> activate(c, p256, params, other));
    }

    @Test
    void matchesRejectsWrongAndNullAnswers() throws Exception {
        EndorsementKeyParameters params = EndorsementKeyParameters.tcgDefault(rsa2048.getPublic());
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        CredentialChallenge c = maker.makeCredential(params, akName(HashAlgorithm.SHA256), secret);
        byte[] wrong = secret.clone();
        wrong[31] ^= 0x80;
        assertTrue(c.matches(secret.clone()));
        assertFalse(c.matches(wrong));
        assertFalse(c.matches(new byte[31]));
        assertFalse(c.matches(null));
        assertFalse(c.toString().contains(java.util.HexFormat.of().formatHex(secret)));
    }

    @Test
    void secretLongerThanTheNameAlgDigestIsRefused() throws Exception {
        EndorsementKeyParameters params = EndorsementKeyParameters.tcgDefault(rsa2048.getPublic());
        assertThrows(IllegalArgumentException.class,
                () -> maker.makeCredential(params, akName(HashAlgorithm.SHA256), new byte[33]));
        assertThrows(IllegalArgumentException.class,
                () -> maker.makeCredential(params, akName(HashAlgorithm.SHA256), new byte[0]));
    }

    @Test
    void malformedAkNamesAreRejected() throws Exception {
        EndorsementKeyParameters params = EndorsementKeyParameters.tcgDefault(rsa2048.getPublic());
        byte[] truncated = java.util.Arrays.copyOf(akName(HashAlgorithm.SHA256), 20);
        byte[] unknownAlg = akName(HashAlgorithm.SHA256);
        unknownAlg[1] = 0x77;
        assertThrows(MalformedStructureException.class, () -> maker.makeCredential(params, truncated));
        assertThrows(MalformedStructureException.class, () -> maker.makeCredential(params, unknownAlg));
        assertThrows(MalformedStructureException.class, () -> maker.makeCredential(params, new byte[] {0x40, 0, 0, 7}));
    }

    @Test
    void keysWithoutADefaultTemplateNeedExplicitParameters() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        KeyPair small = rsa.generateKeyPair();
        assertThrows(CredentialException.class, () -> EndorsementKeyParameters.tcgDefault(small.getPublic()));
        EndorsementKeyParameters explicit = new EndorsementKeyParameters(small.getPublic(), HashAlgorithm.SHA256, 128);
        assertThrows(CredentialException.class, () -> maker.makeCredential(explicit, akName(HashAlgorithm.SHA256)));
        assertThrows(IllegalArgumentException.class,
                () -> new EndorsementKeyParameters(rsa2048.getPublic(), HashAlgorithm.SHA256, 192));
    }

    @Test
    void p521NeedsExplicitParametersAndThenWorks() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp521r1"));
        KeyPair p521 = ec.generateKeyPair();
        assertThrows(CredentialException.class, () -> EndorsementKeyParameters.tcgDefault(p521.getPublic()));
        EndorsementKeyParameters params = new EndorsementKeyParameters(p521.getPublic(), HashAlgorithm.SHA512, 256);
        byte[] name = akName(HashAlgorithm.SHA256);
        CredentialChallenge c = maker.makeCredential(params, name);
        // 521 bits pad to 66-byte coordinates.
        assertEquals(2 + 66 + 2 + 66, c.encryptedCredential().encryptedSecret().length);
        assertTrue(c.matches(activate(c, p521, params, name)));
    }
}
