package org.attestedmigration.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.util.Date;
import org.attestedmigration.attestation.HashAlgorithm;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The EK public key hash that identifies a host is the SHA-256 of the certificate's SubjectPublicKeyInfo bytes. */
class HostIdentityRuleTest {
    @ParameterizedTest
    @ValueSource(strings = {"RSA", "EC"})
    void ekKeyHashIsTheHashOfTheCertifiedSubjectPublicKeyInfo(String algorithm) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
        g.initialize(algorithm.equals("RSA") ? 2048 : 256);
        KeyPair key = g.generateKeyPair();
        X500Name name = new X500Name("CN=ek-test");
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name,
                BigInteger.valueOf(7), new Date(0), new Date(4_000_000_000_000L), name, key.getPublic())
                .build(new JcaContentSignerBuilder(algorithm.equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA").build(key.getPrivate())));

        assertEquals(new HexValue(HashAlgorithm.SHA256.digest(key.getPublic().getEncoded())),
                RuleInput.subjectPublicKeyInfoSha256(cert).orElseThrow());
    }
}
