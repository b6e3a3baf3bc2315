package org.attestedmigration.attestation.ek;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.attestedmigration.attestation.credential.TestSwtpm;
import org.attestedmigration.attestation.ek.EkCertificateException.Rule;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The validator against real EK certificates: those swtpm_setup provisions from a local CA (a
 * root "swtpm-localca-rootca" and an intermediate "swtpm-localca"), including the critical
 * subject alternative name with the TCG TPM attributes.
 */
class SwtpmEkCertificateTest {
    @TempDir
    static Path dir;
    private static TestSwtpm tpm;
    private static X509Certificate localCaRoot;
    private static X509Certificate localCaIntermediate;

    @BeforeAll
    static void startTpm() throws Exception {
        Assumptions.assumeTrue(TestSwtpm.toolsAvailable(), "swtpm or tpm2-tools not installed");
        tpm = TestSwtpm.provisionAndStart(dir);
        localCaRoot = readCertificate(Files.readAllBytes(tpm.caDir().resolve("swtpm-localca-rootca-cert.pem")));
        localCaIntermediate = readCertificate(Files.readAllBytes(tpm.caDir().resolve("issuercert.pem")));
    }

    @AfterAll
    static void stopTpm() throws Exception {
        if (tpm != null) {
            tpm.close();
        }
    }

    private static X509Certificate readCertificate(byte[] derOrPem) throws Exception {
        try (InputStream in = new ByteArrayInputStream(derOrPem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static X509Certificate nvCertificate(String index, String file) throws Exception {
        tpm.tpm2("tpm2_nvread", index, "-o", file).requireSuccess("tpm2_nvread " + index);
        return readCertificate(Files.readAllBytes(dir.resolve(file)));
    }

    private static PublicKey ekPublicKey(String handle, String file, String algorithm) throws Exception {
        tpm.tpm2("tpm2_readpublic", "-c", handle, "-f", "pem", "-o", file).requireSuccess("tpm2_readpublic");
        String pem = Files.readString(dir.resolve(file));
        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }

    @Test
    void localCaLayoutIsRootAndIntermediate() {
        assertEquals("CN=swtpm-localca-rootca", localCaRoot.getSubjectX500Principal().getName());
        assertEquals("CN=swtpm-localca", localCaIntermediate.getSubjectX500Principal().getName());
    }

    @Test
    void rsaEkCertificateValidatesAndCertifiesTheTpmsEk() throws Exception {
        X509Certificate ek = nvCertificate(TestSwtpm.RSA_EK_CERT_NV, "ek-rsa.der");
        PublicKey tpmEk = ekPublicKey(TestSwtpm.RSA_EK_HANDLE, "ek-rsa.pem", "RSA");
        EkValidationResult r = EkCertificateValidator.trusting(localCaRoot)
                .validate(ek, List.of(localCaIntermediate), Instant.now(), tpmEk);
        assertEquals(localCaRoot, r.trustAnchor());
        assertEquals(List.of(ek, localCaIntermediate), r.certificationPath());
        TpmIdentity id = r.tpmIdentity().orElseThrow();
        assertEquals("id:00001014", id.manufacturer());
        assertEquals(0x1014, id.manufacturerId().getAsInt());
        assertEquals("swtpm", id.model());
        assertTrue(id.version().startsWith("id:"), id.version());
    }

    @Test
    void eccEkCertificateValidatesWithConfiguredIntermediate() throws Exception {
        X509Certificate ek = nvCertificate(TestSwtpm.ECC_EK_CERT_NV, "ek-ecc.der");
        PublicKey tpmEk = ekPublicKey(TestSwtpm.ECC_EK_HANDLE, "ek-ecc.pem", "EC");
        EkCertificateValidator validator = new EkCertificateValidator(List.of(localCaRoot),
                List.of(localCaIntermediate));
        EkValidationResult r = validator.validate(ek, List.of(), Instant.now(), tpmEk);
        assertEquals("swtpm", r.tpmIdentity().orElseThrow().model());
        // The RSA EK is not the key this certificate certifies.
        PublicKey rsaEk = ekPublicKey(TestSwtpm.RSA_EK_HANDLE, "ek-rsa2.pem", "RSA");
        assertEquals(Rule.PUBLIC_KEY_MISMATCH, assertThrows(EkCertificateException.class,
                () -> validator.validate(ek, List.of(), Instant.now(), rsaEk)).rule());
    }

    @Test
    void withoutTheIntermediateOrTrustingAnotherRootTheCaIsUnknown() throws Exception {
        X509Certificate ek = nvCertificate(TestSwtpm.RSA_EK_CERT_NV, "ek-rsa3.der");
        assertEquals(Rule.UNKNOWN_CA, assertThrows(EkCertificateException.class,
                () -> EkCertificateValidator.trusting(localCaRoot).validate(ek, List.of(), Instant.now())).rule());
        X509Certificate unrelatedRoot = TestPki.root("swtpm-localca-rootca").certificate();
        assertEquals(Rule.PATH_VALIDATION, assertThrows(EkCertificateException.class,
                () -> EkCertificateValidator.trusting(unrelatedRoot)
                        .validate(ek, List.of(localCaIntermediate), Instant.now())).rule());
    }
}
