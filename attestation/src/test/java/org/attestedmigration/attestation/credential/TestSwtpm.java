package org.attestedmigration.attestation.credential;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.attestedmigration.attestation.TpmAccessException;
import org.attestedmigration.attestation.swtpm.SoftwareTpm;

/**
 * A throwaway swtpm for tests ({@link SoftwareTpm}: EK certificates from a local CA in the test's
 * own directory, free ports) plus a runner for tpm2-tools commands against it.
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

    private final SoftwareTpm swtpm;

    private TestSwtpm(SoftwareTpm swtpm) {
        this.swtpm = swtpm;
    }

    /** Whether every binary these tests run is on the PATH; tests skip when not. */
    public static boolean toolsAvailable() {
        return BINARIES.stream().allMatch(TestSwtpm::onPath);
    }

    private static boolean onPath(String binary) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, binary))) {
                return true;
            }
        }
        return false;
    }

    /** Provisions a TPM with EK certificates under {@code dir} (the production lifecycle) and starts it. */
    public static TestSwtpm provisionAndStart(Path dir) throws IOException {
        try {
            return new TestSwtpm(SoftwareTpm.start(dir));
        } catch (TpmAccessException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    public Path dir() {
        return swtpm.directory();
    }

    /** The local CA's state directory: root and intermediate certificates are there. */
    public Path caDir() {
        return dir().resolve("ca");
    }

    public String tcti() {
        return "swtpm:host=" + swtpm.uri().host() + ",port=" + swtpm.uri().port();
    }

    /**
     * Runs one tpm2-tools command against this TPM, then flushes transient objects and sessions,
     * because without a resource manager they would pile up and exhaust the TPM's slots.
     */
    public ToolResult tpm2(String... command) throws IOException, InterruptedException {
        List<String> env = List.of("TPM2TOOLS_TCTI=" + tcti());
        ToolResult result = run(dir(), env, List.of(command));
        run(dir(), env, List.of("tpm2_flushcontext", "-t"));
        run(dir(), env, List.of("tpm2_flushcontext", "-s"));
        return result;
    }

    /** Runs a sequence of tpm2-tools commands without flushing in between (e.g. policy sessions). */
    public ToolResult tpm2Sequence(List<List<String>> commands) throws IOException, InterruptedException {
        List<String> env = List.of("TPM2TOOLS_TCTI=" + tcti());
        ToolResult result = null;
        try {
            for (List<String> c : commands) {
                result = run(dir(), env, c);
                if (result.exitCode() != 0) {
                    return result;
                }
            }
            return result;
        } finally {
            run(dir(), env, List.of("tpm2_flushcontext", "-t"));
            run(dir(), env, List.of("tpm2_flushcontext", "-s"));
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
        swtpm.close();
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
