package org.attestedmigration.attestation.tpm2;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import org.attestedmigration.attestation.HashAlgorithm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SignatureVerifierTest {
    private static final byte[] MESSAGE = "attested".getBytes(StandardCharsets.US_ASCII);
    private static KeyPair rsa;

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        rsa = g.generateKeyPair();
    }

    private static byte[] pssSign(int salt) throws Exception {
        Signature s = Signature.getInstance("RSASSA-PSS");
        s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, salt, 1));
        s.initSign(rsa.getPrivate());
        s.update(MESSAGE);
        return s.sign();
    }

    @Test
    void pssAcceptsDigestLengthAndMaximumSalt() throws Exception {
        for (int salt : new int[] {32, 256 - 32 - 2}) {
            TpmSignature sig = new TpmSignature.Rsa(SignatureScheme.RSAPSS, HashAlgorithm.SHA256, pssSign(salt));
            assertTrue(SignatureVerifier.verify(rsa.getPublic(), MESSAGE, sig), "salt " + salt);
        }
    }

    @Test
    void pssRejectsOtherSaltLengths() throws Exception {
        TpmSignature sig = new TpmSignature.Rsa(SignatureScheme.RSAPSS, HashAlgorithm.SHA256, pssSign(20));
        assertFalse(SignatureVerifier.verify(rsa.getPublic(), MESSAGE, sig));
    }

    @Test
    void pkcs1SignatureIsNotAcceptedAsPss() throws Exception {
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(rsa.getPrivate());
        s.update(MESSAGE);
        byte[] pkcs1 = s.sign();
        assertTrue(SignatureVerifier.verify(rsa.getPublic(), MESSAGE, new TpmSignature.Rsa(SignatureScheme.RSASSA, HashAlgorithm.SHA256, pkcs1)));
        assertFalse(SignatureVerifier.verify(rsa.getPublic(), MESSAGE, new TpmSignature.Rsa(SignatureScheme.RSAPSS, HashAlgorithm.SHA256, pkcs1)));
        assertFalse(SignatureVerifier.verify(rsa.getPublic(), MESSAGE, new TpmSignature.Rsa(SignatureScheme.RSASSA, HashAlgorithm.SHA384, pkcs1)));
    }

    @Test
    void wrongLengthSignatureIsFalseNotAnException() throws Exception {
        TpmSignature empty = new TpmSignature.Rsa(SignatureScheme.RSASSA, HashAlgorithm.SHA256, new byte[0]);
        assertFalse(SignatureVerifier.verify(rsa.getPublic(), MESSAGE, empty));
        TpmSignature longer = new TpmSignature.Rsa(SignatureScheme.RSAPSS, HashAlgorithm.SHA256, new byte[512]);
        assertFalse(SignatureVerifier.verify(rsa.getPublic(), MESSAGE, longer));
        TpmSignature zeroEcdsa = new TpmSignature.Ecdsa(HashAlgorithm.SHA256, new byte[0], new byte[0]);
        assertFalse(SignatureVerifier.verify(PemPublicKey.read(Fixtures.text("ecc/ak.pem")), MESSAGE, zeroEcdsa));
    }

    @Test
    void keyTypeMismatchIsTyped() throws Exception {
        TpmSignature ecdsa = TpmSignature.parse(Fixtures.bytes("ecc/quote.sig"));
        assertThrows(SignatureKeyMismatchException.class, () -> SignatureVerifier.verify(rsa.getPublic(), MESSAGE, ecdsa));
        PublicArea rsaAk = PublicArea.parseTpm2b(Fixtures.bytes("rsa/ak.pub"));
        assertThrows(SignatureKeyMismatchException.class, () -> rsaAk.verify(MESSAGE, ecdsa));
        TpmSignature rsaSig = TpmSignature.parse(Fixtures.bytes("rsa/quote.sig"));
        PublicArea eccAk = PublicArea.parseTpm2b(Fixtures.bytes("ecc/ak.pub"));
        assertThrows(SignatureKeyMismatchException.class, () -> eccAk.verify(MESSAGE, rsaSig));
    }

    @Test
    void signatureUnderAnotherSchemeThanTheKeyFixesDoesNotVerify() throws Exception {
        byte[] msg = Fixtures.bytes("rsapss/quote.msg");
        TpmSignature pss = TpmSignature.parse(Fixtures.bytes("rsapss/quote.sig"));
        PublicArea pssAk = PublicArea.parseTpm2b(Fixtures.bytes("rsapss/ak.pub"));
        assertTrue(pssAk.verify(msg, pss));
        TpmSignature relabelled = new TpmSignature.Rsa(SignatureScheme.RSASSA, HashAlgorithm.SHA256, ((TpmSignature.Rsa) pss).signature());
        assertFalse(pssAk.verify(msg, relabelled));
    }

    @Test
    void unsupportedSchemesAreMalformed() {
        for (int alg : new int[] {TpmAlg.NULL, TpmAlg.RSAES, TpmAlg.ECDAA, TpmAlg.SM2, TpmAlg.ECSCHNORR, 0x0005}) {
            byte[] b = new TpmWriter().u16(alg).u16(0x000b).tpm2b(new byte[4]).toByteArray();
            assertThrows(org.attestedmigration.attestation.MalformedStructureException.class, () -> TpmSignature.parse(b));
        }
    }

    @Test
    void signatureRoundTrips() throws Exception {
        for (String f : new String[] {"rsa/quote.sig", "rsapss/quote.sig", "ecc/quote.sig"}) {
            byte[] b = Fixtures.bytes(f);
            org.junit.jupiter.api.Assertions.assertArrayEquals(b, TpmSignature.parse(b).toBytes());
        }
    }
}
