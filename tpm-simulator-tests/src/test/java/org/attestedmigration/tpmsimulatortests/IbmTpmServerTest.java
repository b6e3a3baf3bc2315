package org.attestedmigration.tpmsimulatortests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.attestedmigration.attestation.AttestationKey;
import org.attestedmigration.attestation.Check;
import org.attestedmigration.attestation.Evidence;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.KeyAlgorithm;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.attestation.TpmUri;
import org.attestedmigration.attestation.TrustedAttestationKey;
import org.attestedmigration.attestation.VerificationException;
import org.attestedmigration.attestation.VerifiedEvidence;
import org.attestedmigration.attestation.Verifier;
import org.attestedmigration.attestation.eventlog.EventLog;
import org.attestedmigration.attestation.txt.MeasuredLaunch;
import org.attestedmigration.attestation.txt.MeasuredLaunchPlan;
import org.attestedmigration.attestation.txt.SampleLaunch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TXT launch, quote and verification against IBM's {@code tpm_server} through the
 * {@code mssim://} device, when one is installed: on PATH, or named by {@code IBM_TPM_SERVER}.
 * It is not packaged for Debian, so CI runs the swtpm suites only. IBM's simulator has no EK
 * certificate, so credential activation is covered on swtpm alone.
 */
class IbmTpmServerTest {
    @TempDir
    Path dir;
    private Process server;
    private TpmUri uri;

    @BeforeEach
    void startServer() throws Exception {
        Optional<String> binary = locate();
        Assumptions.assumeTrue(binary.isPresent(), "IBM tpm_server not installed (set IBM_TPM_SERVER or put tpm_server on PATH)");
        int port = freePortPair();
        // tpm_server keeps its NV state (NVChip) in its working directory: a fresh one per test.
        server = new ProcessBuilder(binary.get(), "-port", Integer.toString(port)).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("tpm_server.log").toFile()).start();
        waitForListening(port);
        waitForListening(port + 1);
        uri = TpmUri.parse("mssim://127.0.0.1:" + port);
    }

    @AfterEach
    void stopServer() throws Exception {
        if (server != null) {
            server.destroy();
            if (!server.waitFor(5, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    @Test
    void txtLaunchQuoteAndVerification() throws Exception {
        try (Tpm tpm = Tpm.open(uri)) {
            EventLog log = MeasuredLaunch.perform(tpm, MeasuredLaunchPlan.of(SampleLaunch.trusted().components()));
            AttestationKey ak = tpm.createAttestationKey(KeyAlgorithm.ECC_P256);
            byte[] nonce = Hosts.nonce();
            Evidence evidence = tpm.attest(ak, nonce, Hosts.QUOTED, log.encode());
            VerifiedEvidence verified = Verifier.trusting(TrustedAttestationKey.pinned(ak.publicArea())).verify(evidence, nonce);
            assertArrayEquals(log.replay(HashAlgorithm.SHA256).get(HashAlgorithm.SHA256, 18).orElseThrow(),
                    verified.pcrs().get(HashAlgorithm.SHA256, 18).orElseThrow());
            VerificationException x = assertThrows(VerificationException.class,
                    () -> Verifier.trusting(TrustedAttestationKey.pinned(ak.publicArea())).verify(evidence, Hosts.nonce()));
            assertEquals(Check.NONCE, x.check());
        }
    }

    private static Optional<String> locate() {
        String env = System.getenv("IBM_TPM_SERVER");
        if (env != null && !env.isBlank() && Files.isExecutable(Path.of(env))) {
            return Optional.of(env);
        }
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(d, "tpm_server");
            if (Files.isExecutable(p)) {
                return Optional.of(p.toString());
            }
        }
        return Optional.empty();
    }

    private static int freePortPair() throws IOException {
        for (int i = 0; i < 100; i++) {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            try (ServerSocket next = new ServerSocket()) {
                next.bind(new InetSocketAddress("127.0.0.1", port + 1));
                return port;
            } catch (IOException taken) {
                // try another pair
            }
        }
        throw new IOException("no free pair of ports");
    }

    private void waitForListening(int port) throws Exception {
        for (int i = 0; i < 200; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 100);
                return;
            } catch (IOException notYet) {
                Thread.sleep(25);
            }
        }
        throw new IOException("tpm_server did not listen on " + port + "; see " + dir.resolve("tpm_server.log"));
    }
}
