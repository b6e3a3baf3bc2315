package org.attestedmigration.attestation.tpm2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Optional;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.MalformedStructureException;
import org.junit.jupiter.api.Test;

class PublicAreaTest {

    @Test
    void rsaEndorsementKeyCarriesAes128Cfb() throws Exception {
        PublicArea ek = PublicArea.parseTpm2b(Fixtures.bytes("ek/ek-rsa.pub"));
        assertTrue(ek.isRsa());
        assertEquals(HashAlgorithm.SHA256, ek.nameAlg());
        assertEquals(new SymmetricDefinition(TpmAlg.AES, 128, TpmAlg.CFB), ek.symmetric());
        assertTrue(ek.scheme().isNull());
        assertEquals(Optional.empty(), ek.signingScheme());
        assertTrue(ek.fixedTpm() && ek.fixedParent() && ek.sensitiveDataOrigin() && ek.adminWithPolicy()
                && ek.restricted() && ek.decrypt());
        assertFalse(ek.userWithAuth() || ek.sign());
        assertEquals(32, ek.authPolicy().length);
        assertEquals(2048, ek.rsa().orElseThrow().keyBits());
        assertEquals(0, ek.rsa().orElseThrow().exponent());
        RSAPublicKey key = (RSAPublicKey) ek.toPublicKey();
        assertEquals(BigInteger.valueOf(65537), key.getPublicExponent());
        assertEquals(2048, key.getModulus().bitLength());
    }

    @Test
    void eccEndorsementKey() throws Exception {
        PublicArea ek = PublicArea.parseTpm2b(Fixtures.bytes("ek/ek-ecc.pub"));
        assertTrue(ek.isEcc());
        assertEquals(EccCurve.NIST_P256, ek.ecc().orElseThrow().curve());
        assertTrue(ek.ecc().orElseThrow().kdf().isNull());
        assertEquals(new SymmetricDefinition(TpmAlg.AES, 128, TpmAlg.CFB), ek.symmetric());
        assertTrue(ek.toPublicKey() instanceof ECPublicKey);
    }

    @Test
    void attestationKeys() throws Exception {
        PublicArea rsa = PublicArea.parseTpm2b(Fixtures.bytes("rsa/ak.pub"));
        assertEquals(Optional.of(SignatureScheme.RSASSA), rsa.signingScheme());
        assertEquals(Optional.of(HashAlgorithm.SHA256), rsa.signingHash());
        assertEquals(SymmetricDefinition.NULL, rsa.symmetric());
        assertEquals(Optional.of(SignatureScheme.RSAPSS), PublicArea.parseTpm2b(Fixtures.bytes("rsapss/ak.pub")).signingScheme());
        PublicArea ecc = PublicArea.parseTpm2b(Fixtures.bytes("ecc/ak.pub"));
        assertEquals(Optional.of(SignatureScheme.ECDSA), ecc.signingScheme());
        assertArrayEquals(Fixtures.bytes("ecc/ak.pub"), ecc.toTpm2b());
        assertEquals(ecc, PublicArea.parse(ecc.bytes()));
    }

    @Test
    void pointOffTheCurveIsRejected() throws Exception {
        byte[] pub = Fixtures.bytes("ecc/ak.pub");
        pub[pub.length - 1] ^= 1; // last byte of y
        PublicArea p = PublicArea.parseTpm2b(pub);
        MalformedStructureException e = assertThrows(MalformedStructureException.class, p::toPublicKey);
        assertTrue(e.getMessage().contains("not on"), e.getMessage());
    }

    @Test
    void templateHasNoKey() throws Exception {
        byte[] tmpl = new TpmWriter().u16(TpmAlg.RSA).u16(0x000b).u32(0x00050072).tpm2b(new byte[0])
                .u16(TpmAlg.NULL).u16(TpmAlg.RSASSA).u16(0x000b).u16(2048).u32(0).tpm2b(new byte[0]).toByteArray();
        PublicArea p = PublicArea.parse(tmpl);
        assertThrows(MalformedStructureException.class, p::toPublicKey);
    }

    @Test
    void unsupportedTypeCurveAndSizes() {
        byte[] keyedHash = new TpmWriter().u16(TpmAlg.KEYEDHASH).u16(0x000b).u32(0).tpm2b(new byte[0]).toByteArray();
        assertMalformed(keyedHash, "type");
        byte[] bn256 = new TpmWriter().u16(TpmAlg.ECC).u16(0x000b).u32(0).tpm2b(new byte[0])
                .u16(TpmAlg.NULL).u16(TpmAlg.ECDSA).u16(0x000b).u16(0x0010).u16(TpmAlg.NULL)
                .tpm2b(new byte[0]).tpm2b(new byte[0]).toByteArray();
        assertMalformed(bn256, "curveID");
        byte[] oddBits = new TpmWriter().u16(TpmAlg.RSA).u16(0x000b).u32(0).tpm2b(new byte[0])
                .u16(TpmAlg.NULL).u16(TpmAlg.NULL).u16(2047).u32(0).tpm2b(new byte[0]).toByteArray();
        assertMalformed(oddBits, "keyBits");
        byte[] shortModulus = new TpmWriter().u16(TpmAlg.RSA).u16(0x000b).u32(0).tpm2b(new byte[0])
                .u16(TpmAlg.NULL).u16(TpmAlg.NULL).u16(2048).u32(0).tpm2b(new byte[255]).toByteArray();
        assertMalformed(shortModulus, "unique.rsa");
        byte[] nullNameAlg = new TpmWriter().u16(TpmAlg.RSA).u16(TpmAlg.NULL).toByteArray();
        assertMalformed(nullNameAlg, "nameAlg");
    }

    @Test
    void tpm2bSizeMustMatch() throws Exception {
        byte[] pub = Fixtures.bytes("rsa/ak.pub");
        pub[1]--;
        assertThrows(MalformedStructureException.class, () -> PublicArea.parseTpm2b(pub));
    }

    private static void assertMalformed(byte[] tpmtPublic, String field) {
        MalformedStructureException e = assertThrows(MalformedStructureException.class, () -> PublicArea.parse(tpmtPublic));
        assertTrue(e.getMessage().contains(field), e.getMessage());
    }
}
