package org.attestedmigration.attestation.credential;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.attestedmigration.attestation.HashAlgorithm;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Checks the test oracle {@link SoftwareActivator} against an independent MakeCredential:
 * {@code tpm2_makecredential -T none} (no TPM) for keys generated here, whose private half lets
 * the activator open the result. Together with the swtpm interop test this pins both sides.
 */
class Tpm2ToolsMakeCredentialCrossCheckTest {
    @TempDir
    Path dir;

    @BeforeEach
    void needsTools() {
        Assumptions.assumeTrue(TestSwtpm.toolsAvailable(), "tpm2-tools not installed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa", "ecc"})
    void softwareActivatorOpensTpm2ToolsCredentials(String alg) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(alg.equals("rsa") ? "RSA" : "EC");
        if (alg.equals("rsa")) {
            g.initialize(2048);
        } else {
            // -G ecc uses the TCG default template, which is NIST P-256.
            g.initialize(new ECGenParameterSpec("secp256r1"));
        }
        KeyPair ek = g.generateKeyPair();
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(ek.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        Files.writeString(dir.resolve("ek.pem"), pem);
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        Files.write(dir.resolve("secret.bin"), secret);
        byte[] name = new byte[34];
        new SecureRandom().nextBytes(name);
        name[0] = 0;
        name[1] = 0x0B;

        Process p = new ProcessBuilder("tpm2_makecredential", "-T", "none", "-G", alg, "-u", "ek.pem",
                "-s", "secret.bin", "-n", HexFormat.of().formatHex(name), "-o", "cred.bin")
                .directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("log.txt").toFile()).start();
        assertEquals(true, p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), () -> readQuietly(dir.resolve("log.txt")));

        EncryptedCredential cred = Tpm2ToolsCredentialFile.parse(Files.readAllBytes(dir.resolve("cred.bin")));
        ECPublicKey ecPub = ek.getPublic() instanceof ECPublicKey e ? e : null;
        assertArrayEquals(secret, SoftwareActivator.activate(cred, ek.getPrivate(), ecPub, HashAlgorithm.SHA256,
                128, name));
        byte[] other = name.clone();
        other[10] ^= 1;
        assertThrows(SecurityException.class,
                () -> SoftwareActivator.activate(cred, ek.getPrivate(), ecPub, HashAlgorithm.SHA256, 128, other));
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "(no log)";
        }
    }
}
