package org.attestedmigration.attestation.ek;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.attestedmigration.attestation.ek.EkCertificateException.Rule;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class EkCertificateValidatorTest {
    private static final Instant NOW = TestPki.NOW;
    private static TestPki.Ca root;
    private static TestPki.Ca intermediate;
    private static KeyPair rsaEk;
    private static KeyPair eccEk;
    private static EkCertificateValidator validator;

    @BeforeAll
    static void pki() throws Exception {
        root = TestPki.root("Test TPM Manufacturer Root");
        intermediate = TestPki.intermediate("Test TPM EK Issuing CA", root);
        rsaEk = TestPki.rsa();
        eccEk = TestPki.ec("secp384r1");
        validator = EkCertificateValidator.trusting(root.certificate());
    }

    private static Rule failure(Executable e) {
        EkCertificateException ex = assertThrows(EkCertificateException.class, e);
        assertFalse(ex.getMessage().isBlank());
        return ex.rule();
    }

    @Test
    void rsaEkWithPresentedIntermediateValidates() throws Exception {
        X509Certificate ek = TestPki.ek(TestPki.Leaf.profile(rsaEk.getPublic()), intermediate);
        EkValidationResult r = validator.validate(ek, List.of(intermediate.certificate()), NOW);
        assertEquals(List.of(ek, intermediate.certificate()), r.certificationPath());
        assertEquals(root.certificate(), r.trustAnchor());
        assertTrue(r.matchesPublicKey(rsaEk.getPublic()));
        TpmIdentity id = r.tpmIdentity().orElseThrow();
        assertEquals(new TpmIdentity("id:53544D20", "ST33HTPHAHD4", "id:00010102"), id);
        assertEquals(0x53544D20, id.manufacturerId().getAsInt());
    }

    @Test
    void eccEkWithConfiguredIntermediateValidates() throws Exception {
        X509Certificate ek = TestPki.ek(TestPki.Leaf.profile(eccEk.getPublic()), intermediate);
        EkCertificateValidator withIntermediate = new EkCertificateValidator(List.of(root.certificate()),
                List.of(intermediate.certificate()));
        EkValidationResult r = withIntermediate.validate(ek, List.of(), NOW, eccEk.getPublic());
        assertEquals(2, r.certificationPath().size());
    }

    @Test
    void ekIssuedDirectlyByTheRootValidates() throws Exception {
        X509Certificate ek = TestPki.ek(TestPki.Leaf.profile(rsaEk.getPublic()), root);
        assertEquals(List.of(ek), validator.validate(ek, List.of(), NOW).certificationPath());
    }

    @Test
    void expiredAndNotYetValidEkCertificates() throws Exception {
        X509Certificate expired = TestPki.ek(TestPki.Leaf.profile(rsaEk.getPublic())
                .validity(NOW.minus(Duration.ofDays(400)), NOW.minus(Duration.ofDays(1))), intermediate);
        X509Certificate future = TestPki.ek(TestPki.Leaf.profile(rsaEk.getPublic())
                .validity(NOW.plus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(400))), intermediate);
        List<X509Certificate> chain = List.of(intermediate.certificate());
        assertEquals(Rule.EXPIRED, failure(() -> validator.validate(expired, chain, NOW)));
        assertEquals(Rule.NOT_YET_VALID, failure(() -> validator.validate(future, chain, NOW)));
        // The validation time is the caller's, not the clock's.
        validator.validate(expired, chain, NOW.minus(Duration.ofDays(2)));
    }

    @Test
    void expiredIntermediateIsReportedAsExpired() throws Exception {
        TestPki.Ca old = TestPki.intermediate("Old EK CA", root, NOW.minus(Duration.ofDays(900)),
                NOW.minus(Duration.ofDays(10)));
        X509Certificate ek = TestPki.ek(TestPki.Leaf.profile(rsaEk.getPublic()), old);
        EkCertificateException e = assertThrows(EkCertificateException.class,
                () -> validator.validate(ek, List.of(old.certificate()), NOW));
        assertEquals(Rule.EXPIRED, e.rule());
        assertTrue(e.getMessage().contains("Old EK CA"), e.getMessage());
    }

    @Test
    void keyUsageMustFitTheKeyType() throws Exception {
        List<X509Certificate> chain = List.of(intermediate.certificate());
        X509Certificate rsaWithAgreement = TestPki.ek(TestPki.Leaf.profile(rsaEk.getPublic())
                .keyUsage(KeyUsage.keyAgreement), intermediate);
        X509Certificate eccWithEncipherment = TestPki.ek(TestPki.Leaf.profile(eccEk.getPublic())
                .keyUsage(KeyUsage.keyEncipherment), intermediate);
        X509Certificate noKeyUsage = TestPki.ek(TestPki.Leaf.profile(rsaEk.getPublic()).keyUsage(null), intermediate);
        assertEquals(Rule.KEY_USAGE, failure(() -> validator.validate(rsaWithAgreement, chain, NOW)));
        assertEquals(Rule.KEY_USAGE, failure(() -> validator.validate(eccWithEncipherment, chain, NOW)));
        assertEquals(Rule.KEY_USAGE, failure(() -> validator.validate(noKeyUsage, chain, NOW)));
    }

    @Test
    void caCertificatesAreNotEkCertificates() throws Exception {
        X509Certificate caLeaf = TestPki.ek(TestPki.Leaf.profile(rsaEk.getPublic()).asCa(), intermediate);
        X509Certificate certSign = TestPki.ek(TestPki.Leaf.profile(rsaEk.getPublic())
                .keyUsage(KeyUsage.keyEncipherment | KeyUsage.keyCertSign), intermediate);
        List<X509Certificate> chain = List.of(intermediate.certificate());
        assertEquals(Rule.CA_CERTIFICATE, failure(() -> validator.validate(caLeaf, chain, NOW)));
        assertEquals(Rule.CA_CERTIFICATE, failure(() -> validator.validate(certSign, chain, NOW)));
        assertEquals(Rule.CA_CERTIFICATE, failure(() -> validator.validate(intermediate.certificate(), List.of(), NOW)));
    }

    @Test
    void unknownCasAreRejected() throws Exception {
        TestPki.Ca otherRoot = TestPki.root("Some Other Root");
        TestPki.Ca otherIntermediate = TestPki.intermediate("Other EK CA", otherRoot);
        X509Certificate foreign = TestPki.ek(TestPki.Leaf.profile(rsaEk.getPublic()), otherIntermediate);
        assertEquals(Rule.UNKNOWN_CA, failure(() -> validator.validate(foreign, List.of(), NOW)));
        // Presenting the foreign intermediate does not help: it does not lead to a trusted root.
        assertEquals(Rule.UNKNOWN_CA,
                failure(() -> validator.validate(foreign, List.of(otherIntermediate.certificate()), NOW)));
        // Nor does omitting our own intermediate.
        X509Certificate ours = TestPki.ek(TestPki.Leaf.profile(rsaEk.getPublic()), intermediate);
        assertEquals(Rule.UNKNOWN_CA, failure(() -> validator.validate(ours, List.of(), NOW)));
    }

    @Test
    void anIntermediateImpersonatingOursFailsPathValidation() throws Exception {
        // Same name as the real intermediate, different key, so chaining by name alone is not enough.
        TestPki.Ca rogueRoot = TestPki.root("Rogue Root");
        TestPki.Ca impostor = TestPki.intermediate("Test TPM EK Issuing CA", rogueRoot);
        X509Certificate ek = TestPki.ek(TestPki.Leaf.profile(rsaEk.getPublic()), impostor);
        assertEquals(Rule.PATH_VALIDATION,
                failure(() -> validator.validate(ek, List.of(intermediate.certificate()), NOW)));
        assertEquals(Rule.UNKNOWN_CA, failure(() -> validator.validate(ek, List.of(impostor.certificate()), NOW)));
    }

    @Test
    void publicKeyMustBeTheTpmsEk() throws Exception {
        X509Certificate ek = TestPki.ek(TestPki.Leaf.profile(eccEk.getPublic()), intermediate);
        List<X509Certificate> chain = List.of(intermediate.certificate());
        assertEquals(Rule.PUBLIC_KEY_MISMATCH,
                failure(() -> validator.validate(ek, chain, NOW, TestPki.ec("secp384r1").getPublic())));
        assertFalse(EkCertificateValidator.matchesPublicKey(ek, rsaEk.getPublic()));

        // The same point rebuilt from its coordinates is the same key.
        ECPublicKey original = (ECPublicKey) eccEk.getPublic();
        PublicKey rebuilt = KeyFactory.getInstance("EC")
                .generatePublic(new ECPublicKeySpec(original.getW(), original.getParams()));
        assertTrue(EkCertificateValidator.matchesPublicKey(ek, rebuilt));
    }

    @Test
    void validatorNeedsARootAndIsImmutable() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> new EkCertificateValidator(List.of(), List.of()));
        assertThrows(UnsupportedOperationException.class, () -> validator.trustedRoots().clear());
    }
}
