package org.attestedmigration.attestation.swtpm;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.attestedmigration.attestation.TpmAccessException;
import org.attestedmigration.attestation.TpmUri;
import org.attestedmigration.attestation.device.SwtpmControlChannel;

/**
 * One emulated host's TPM: a swtpm process (IBM's TPM 2.0 code in libtpms) with its own state
 * directory, provisioned once by {@code swtpm_setup} with EK certificates from a local CA that
 * lives in that directory too, listening on free loopback ports.
 *
 * <p>Layout of the directory: {@code state/} (TPM state), {@code ca/} (the local CA's keys and
 * certificates), the three config files swtpm_setup reads, and {@code swtpm.log}.
 */
public final class SoftwareTpm implements AutoCloseable {
    private static final String HOST = "127.0.0.1";

    private final Path dir;
    private final Process process;
    private final int port;

    private SoftwareTpm(Path dir, Process process, int port) {
        this.dir = dir;
        this.process = process;
        this.port = port;
    }

    /** Provisions the directory if it holds no TPM state yet, then starts swtpm on free ports. */
    public static SoftwareTpm start(Path dir) throws TpmAccessException {
        provision(dir);
        TpmAccessException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePortPair();
            try {
                return launch(dir, port);
            } catch (TpmAccessException e) {
                last = e; // most likely somebody took the port between probe and bind
            }
        }
        throw last;
    }

    /**
     * Creates the TPM state with an RSA-2048 and an ECC P-384 EK, their certificates from a local
     * CA kept in {@code dir/ca}, a platform certificate, and the sha1 and sha256 PCR banks.
     * Does nothing if the state exists.
     */
    public static void provision(Path dir) throws TpmAccessException {
        Path state = dir.resolve("state");
        try {
            if (Files.exists(state.resolve("tpm2-00.permall"))) {
                return;
            }
            Path ca = dir.resolve("ca");
            Files.createDirectories(ca);
            Files.createDirectories(state);
            Path caConf = dir.resolve("swtpm-localca.conf");
            Path caOptions = dir.resolve("swtpm-localca.options");
            Path setupConf = dir.resolve("swtpm_setup.conf");
            Files.writeString(caConf, String.join("\n",
                    "statedir = " + ca,
                    "signingkey = " + ca.resolve("signkey.pem"),
                    "issuercert = " + ca.resolve("issuercert.pem"),
                    "certserial = " + ca.resolve("certserial"), ""));
            Files.writeString(caOptions, String.join("\n",
                    "--platform-manufacturer attested-migration",
                    "--platform-version 2.1",
                    "--platform-model swtpm", ""));
            Files.writeString(setupConf, String.join("\n",
                    "create_certs_tool = " + findTool("swtpm_localca"),
                    "create_certs_tool_config = " + caConf,
                    "create_certs_tool_options = " + caOptions,
                    "active_pcr_banks = sha1,sha256", ""));
            run(List.of(findTool("swtpm_setup"), "--tpm2", "--tpmstate", state.toString(), "--config", setupConf.toString(),
                    "--create-ek-cert", "--create-platform-cert", "--pcr-banks", "sha1,sha256", "--overwrite",
                    "--logfile", dir.resolve("swtpm_setup.log").toString()), dir);
        } catch (IOException e) {
            throw new TpmAccessException("cannot provision a software TPM in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static SoftwareTpm launch(Path dir, int port) throws TpmAccessException {
        List<String> cmd = List.of(findTool("swtpm"), "socket", "--tpm2",
                "--tpmstate", "dir=" + dir.resolve("state"),
                "--server", "type=tcp,port=" + port + ",bindaddr=" + HOST,
                "--ctrl", "type=tcp,port=" + (port + 1) + ",bindaddr=" + HOST,
                "--flags", "not-need-init,startup-clear",
                "--locality", "allow-set-locality",
                "--log", "file=" + dir.resolve("swtpm.log") + ",level=1");
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("swtpm.out").toFile())).start();
        } catch (IOException e) {
            throw new TpmAccessException("cannot start swtpm: " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new TpmAccessException("swtpm exited with " + p.exitValue() + " at start; see " + dir.resolve("swtpm.out"));
            }
            if (accepts(port + 1) && accepts(port)) {
                return new SoftwareTpm(dir, p, port);
            }
            sleep(20);
        }
        p.destroyForcibly();
        throw new TpmAccessException("swtpm did not listen on port " + port + " within 10 s");
    }

    public TpmUri uri() {
        return TpmUri.swtpm(HOST, port);
    }

    public Path directory() {
        return dir;
    }

    /** The local CA that signed this TPM's EK certificates: the root, then the intermediate. */
    public List<X509Certificate> manufacturerCertificates() throws TpmAccessException {
        return localCaCertificates(dir);
    }

    /** The local CA certificates of a provisioned directory, root first. */
    public static List<X509Certificate> localCaCertificates(Path dir) throws TpmAccessException {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (String name : List.of("swtpm-localca-rootca-cert.pem", "issuercert.pem")) {
                try (InputStream in = Files.newInputStream(dir.resolve("ca").resolve(name))) {
                    out.add((X509Certificate) cf.generateCertificate(in));
                }
            }
        } catch (IOException | CertificateException e) {
            throw new TpmAccessException("cannot read the local CA of " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Saves state and stops swtpm; kills it if it does not stop in time. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        try {
            new SwtpmControlChannel(HOST, port + 1).shutdown();
            if (process.waitFor(5, TimeUnit.SECONDS)) {
                return;
            }
        } catch (TpmAccessException e) {
            // fall through to a kill: the process is wedged or already going away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A port p such that p and p + 1 were both free: swtpm's control port is data port + 1. */
    private static int freePortPair() throws TpmAccessException {
        for (int i = 0; i < 50; i++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int p = s.getLocalPort();
                if (p < 65535 && free(p + 1)) {
                    return p;
                }
            } catch (IOException e) {
                // no ephemeral port right now; try again
            }
        }
        throw new TpmAccessException("no two consecutive free TCP ports found on " + HOST);
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static String findTool(String name) throws TpmAccessException {
        String override = System.getenv(name.toUpperCase().replace('-', '_'));
        if (override != null && !override.isBlank()) {
            return override;
        }
        String path = System.getenv("PATH");
        for (String d : (path == null ? "/usr/bin:/usr/local/bin" : path + ":/usr/bin").split(":")) {
            Path candidate = Path.of(d, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new TpmAccessException(name + " is not installed; on Debian: apt-get install -y swtpm swtpm-tools");
    }

    private static void run(List<String> cmd, Path dir) throws TpmAccessException, IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new TpmAccessException(cmd.get(0) + " failed in " + dir + ": " + new String(output, StandardCharsets.UTF_8).strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TpmAccessException("interrupted while running " + cmd.get(0));
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
