package org.attestedmigration.attestation.credential;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway swtpm for tests: provisioned by swtpm_setup with EK certificates from a local CA
 * whose state lives in the test's own directory, and served on free TCP ports found at runtime.
 * Test-only on purpose; the production lifecycle class is elsewhere.
 */
public final class TestSwtpm implements AutoCloseable {
    /** RSA-2048 EK (TCG template L-1) as swtpm_setup persists it. */
    public static final String RSA_EK_HANDLE = "0x81010001";
    /** ECC P-384 EK (TCG template H-3) as swtpm_setup persists it. */
    public static final String ECC_EK_HANDLE = "0x81010016";
    public static final String RSA_EK_CERT_NV = "0x01c00002";
    public static final String ECC_EK_CERT_NV = "0x01c00016";

    private static final List<String> BINARIES = List.of("swtpm", "swtpm_setup", "swtpm_localca",
            "tpm2_createak", "tpm2_activatecredential", "tpm2_nvread", "tpm2_flushcontext",
            "tpm2_startauthsession", "tpm2_policysecret", "tpm2_makecredential");

    private final Path dir;
    private final Process swtpm;
    private final int port;

    private TestSwtpm(Path dir, Process swtpm, int port) {
        this.dir = dir;
        this.swtpm = swtpm;
        this.port = port;
    }

    /** Whether every binary these tests run is on the PATH; tests skip when not. */
    public static boolean toolsAvailable() {
        return BINARIES.stream().allMatch(TestSwtpm::onPath);
    }

    private static boolean onPath(String binary) {
        return which(binary) != null;
    }

    private static Path which(String binary) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String d : path.split(File.pathSeparator)) {
            Path candidate = Path.of(d, binary);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** Provisions a TPM with EK certificates under {@code dir} and starts it. */
    public static TestSwtpm provisionAndStart(Path dir) throws IOException, InterruptedException {
        Path ca = Files.createDirectories(dir.resolve("ca"));
        Path state = Files.createDirectories(dir.resolve("state"));
        Path localcaConf = dir.resolve("swtpm-localca.conf");
        Path localcaOptions = dir.resolve("swtpm-localca.options");
        Path setupConf = dir.resolve("swtpm_setup.conf");
        Files.writeString(localcaConf, String.join("\n",
                "statedir = " + ca,
                "signingkey = " + ca.resolve("signkey.pem"),
                "issuercert = " + ca.resolve("issuercert.pem"),
                "certserial = " + ca.resolve("certserial"), ""));
        Files.writeString(localcaOptions, String.join("\n",
                "--platform-manufacturer AttestedMigrationTest",
                "--platform-version 2.1",
                "--platform-model swtpm", ""));
        Files.writeString(setupConf, String.join("\n",
                "create_certs_tool = " + which("swtpm_localca"),
                "create_certs_tool_config = " + localcaConf,
                "create_certs_tool_options = " + localcaOptions,
                "active_pcr_banks = sha256", ""));
        ToolResult setup = run(dir, List.of(), List.of("swtpm_setup", "--tpm2", "--tpmstate", state.toString(),
                "--config", setupConf.toString(), "--create-ek-cert", "--create-platform-cert", "--overwrite"));
        if (setup.exitCode() != 0) {
            throw new IOException("swtpm_setup failed: " + setup.stderr() + setup.stdout());
        }

        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePortPair();
            Process p = new ProcessBuilder("swtpm", "socket", "--tpm2",
                    "--tpmstate", "dir=" + state,
                    "--server", "type=tcp,port=" + port + ",bindaddr=127.0.0.1",
                    "--ctrl", "type=tcp,port=" + (port + 1) + ",bindaddr=127.0.0.1",
                    "--flags", "not-need-init,startup-clear")
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("swtpm-" + attempt + ".log").toFile())
                    .start();
            if (waitListening(p, port)) {
                return new TestSwtpm(dir, p, port);
            }
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            // Another process may have taken the port between probing and binding; try new ones.
            last = new IOException("swtpm did not come up on port " + port + ": "
                    + Files.readString(dir.resolve("swtpm-" + attempt + ".log")));
        }
        throw last;
    }

    /** A port p such that p and p + 1 were both free; the swtpm TCTI puts control on p + 1. */
    private static int freePortPair() throws IOException {
        for (int i = 0; i < 50; i++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int p = s.getLocalPort();
                if (p >= 65535) {
                    continue;
                }
                try (ServerSocket next = new ServerSocket(p + 1, 1, InetAddress.getLoopbackAddress())) {
                    if (next.getLocalPort() == p + 1) {
                        return p;
                    }
                } catch (IOException taken) {
                    // try another pair
                }
            }
        }
        throw new IOException("no two adjacent free TCP ports found");
    }

    private static boolean waitListening(Process p, int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                return false;
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port + 1), 200);
                return true;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        return false;
    }

    public Path dir() {
        return dir;
    }

    /** The local CA's state directory: root and intermediate certificates are there. */
    public Path caDir() {
        return dir.resolve("ca");
    }

    public String tcti() {
        return "swtpm:host=127.0.0.1,port=" + port;
    }

    /**
     * Runs one tpm2-tools command against this TPM, then flushes transient objects and sessions,
     * because without a resource manager they would pile up and exhaust the TPM's slots.
     */
    public ToolResult tpm2(String... command) throws IOException, InterruptedException {
        List<String> env = List.of("TPM2TOOLS_TCTI=" + tcti());
        ToolResult result = run(dir, env, List.of(command));
        run(dir, env, List.of("tpm2_flushcontext", "-t"));
        run(dir, env, List.of("tpm2_flushcontext", "-s"));
        return result;
    }

    /** Runs a sequence of tpm2-tools commands without flushing in between (e.g. policy sessions). */
    public ToolResult tpm2Sequence(List<List<String>> commands) throws IOException, InterruptedException {
        List<String> env = List.of("TPM2TOOLS_TCTI=" + tcti());
        ToolResult result = null;
        try {
            for (List<String> c : commands) {
                result = run(dir, env, c);
                if (result.exitCode() != 0) {
                    return result;
                }
            }
            return result;
        } finally {
            run(dir, env, List.of("tpm2_flushcontext", "-t"));
            run(dir, env, List.of("tpm2_flushcontext", "-s"));
        }
    }

    private static ToolResult run(Path dir, List<String> env, List<String> command)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).directory(dir.toFile());
        for (String e : env) {
            int eq = e.indexOf('=');
            pb.environment().put(e.substring(0, eq), e.substring(eq + 1));
        }
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + command);
        }
        ToolResult r = new ToolResult(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    @Override
    public void close() {
        swtpm.destroy();
        try {
            if (!swtpm.waitFor(5, TimeUnit.SECONDS)) {
                swtpm.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            swtpm.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Exit code and captured output of one tool run. */
    public record ToolResult(int exitCode, String stdout, String stderr) {
        public ToolResult requireSuccess(String what) throws IOException {
            if (exitCode != 0) {
                throw new IOException(what + " failed (" + exitCode + "): " + stderr + stdout);
            }
            return this;
        }
    }
}
