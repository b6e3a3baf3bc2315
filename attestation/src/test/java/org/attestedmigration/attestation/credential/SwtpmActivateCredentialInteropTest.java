package org.attestedmigration.attestation.credential;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import org.attestedmigration.attestation.HashAlgorithm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real test of {@link CredentialMaker}: credentials made in Java for swtpm's EKs are opened by
 * TPM2_ActivateCredential (via tpm2-tools) only for the AK they were made for.
 */
class SwtpmActivateCredentialInteropTest {
    @TempDir
    static Path dir;
    private static TestSwtpm tpm;

    @BeforeAll
    static void startTpm() throws Exception {
        Assumptions.assumeTrue(TestSwtpm.toolsAvailable(), "swtpm or tpm2-tools not installed");
        tpm = TestSwtpm.provisionAndStart(dir);
    }

    @AfterAll
    static void stopTpm() throws Exception {
        if (tpm != null) {
            tpm.close();
        }
    }

    private static X509Certificate ekCertificate(String nvIndex, String file) throws Exception {
        tpm.tpm2("tpm2_nvread", nvIndex, "-o", file).requireSuccess("tpm2_nvread " + nvIndex);
        byte[] der = Files.readAllBytes(dir.resolve(file));
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
    }

    /** Creates an AK under the EK and returns its TPM name as written by {@code -n}. */
    private static byte[] createAk(String ekHandle, String prefix, String keyAlg, String scheme) throws Exception {
        tpm.tpm2("tpm2_createak", "-C", ekHandle, "-c", prefix + ".ctx", "-G", keyAlg, "-g", "sha256",
                "-s", scheme, "-u", prefix + ".pub", "-n", prefix + ".name").requireSuccess("tpm2_createak");
        return Files.readAllBytes(dir.resolve(prefix + ".name"));
    }

    private static TestSwtpm.ToolResult activateWithRsaEk(String akPrefix, String credFile, String outFile)
            throws Exception {
        // The RSA EK (template L-1) has only a policy (PolicySecret on the endorsement hierarchy),
        // so ActivateCredential needs a policy session for it.
        return tpm.tpm2Sequence(List.of(
                List.of("tpm2_startauthsession", "--policy-session", "-S", "session.ctx"),
                List.of("tpm2_policysecret", "-S", "session.ctx", "-c", "e"),
                List.of("tpm2_activatecredential", "-c", akPrefix + ".ctx", "-C", TestSwtpm.RSA_EK_HANDLE,
                        "-i", credFile, "-o", outFile, "-P", "session:session.ctx"),
                List.of("tpm2_flushcontext", "session.ctx")));
    }

    private static TestSwtpm.ToolResult activateWithEccEk(String akPrefix, String credFile, String outFile)
            throws Exception {
        // swtpm's P-384 EK (template H-3) has userWithAuth and an empty auth value, so the
        // password session tpm2-tools uses by default satisfies the USER role ActivateCredential
        // requires for the EK.
        return tpm.tpm2("tpm2_activatecredential", "-c", akPrefix + ".ctx", "-C", TestSwtpm.ECC_EK_HANDLE,
                "-i", credFile, "-o", outFile);
    }

    private static void write(String file, CredentialChallenge c) throws Exception {
        Files.write(dir.resolve(file), Tpm2ToolsCredentialFile.encode(c.encryptedCredential()));
    }

    @Test
    void rsaEkActivatesOnlyForTheRightAk() throws Exception {
        X509Certificate cert = ekCertificate(TestSwtpm.RSA_EK_CERT_NV, "ek-rsa.der");
        EndorsementKeyParameters ek = EndorsementKeyParameters.tcgDefault(cert.getPublicKey());
        byte[] akName = createAk(TestSwtpm.RSA_EK_HANDLE, "ak-rsa", "rsa", "rsassa");
        CredentialMaker maker = new CredentialMaker();

        CredentialChallenge good = maker.makeCredential(ek, akName);
        write("rsa-good.cred", good);
        activateWithRsaEk("ak-rsa", "rsa-good.cred", "rsa-good.out").requireSuccess("activatecredential");
        assertTrue(good.matches(Files.readAllBytes(dir.resolve("rsa-good.out"))));

        byte[] otherName = akName.clone();
        otherName[otherName.length - 1] ^= 1;
        CredentialChallenge wrong = maker.makeCredential(ek, otherName);
        write("rsa-wrong.cred", wrong);
        TestSwtpm.ToolResult refused = activateWithRsaEk("ak-rsa", "rsa-wrong.cred", "rsa-wrong.out");
        assertNotEquals(0, refused.exitCode(), "TPM must refuse a credential made for another name");
        assertTrue(refused.stderr().contains("integrity"), refused.stderr());
    }

    @Test
    void eccP384EkActivatesOnlyForTheRightAk() throws Exception {
        X509Certificate cert = ekCertificate(TestSwtpm.ECC_EK_CERT_NV, "ek-ecc.der");
        EndorsementKeyParameters ek = EndorsementKeyParameters.tcgDefault(cert.getPublicKey());
        assertEquals(HashAlgorithm.SHA384, ek.nameAlg());
        byte[] akName = createAk(TestSwtpm.ECC_EK_HANDLE, "ak-ecc", "ecc256", "ecdsa");
        CredentialMaker maker = new CredentialMaker();

        CredentialChallenge good = maker.makeCredential(ek, akName);
        write("ecc-good.cred", good);
        activateWithEccEk("ak-ecc", "ecc-good.cred", "ecc-good.out").requireSuccess("activatecredential");
        assertTrue(good.matches(Files.readAllBytes(dir.resolve("ecc-good.out"))));

        byte[] otherName = akName.clone();
        otherName[2] ^= 1;
        write("ecc-wrong.cred", maker.makeCredential(ek, otherName));
        TestSwtpm.ToolResult refused = activateWithEccEk("ak-ecc", "ecc-wrong.cred", "ecc-wrong.out");
        assertNotEquals(0, refused.exitCode(), "TPM must refuse a credential made for another name");
    }

    @Test
    void shortSecretsSurviveTheRoundTrip() throws Exception {
        X509Certificate cert = ekCertificate(TestSwtpm.RSA_EK_CERT_NV, "ek-rsa2.der");
        EndorsementKeyParameters ek = EndorsementKeyParameters.tcgDefault(cert.getPublicKey());
        byte[] akName = createAk(TestSwtpm.RSA_EK_HANDLE, "ak-rsa2", "rsa", "rsassa");
        byte[] secret = "sixteen byte key".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        CredentialChallenge c = new CredentialMaker().makeCredential(ek, akName, secret);
        write("rsa-short.cred", c);
        activateWithRsaEk("ak-rsa2", "rsa-short.cred", "rsa-short.out").requireSuccess("activatecredential");
        assertTrue(c.matches(Files.readAllBytes(dir.resolve("rsa-short.out"))));
    }
}
