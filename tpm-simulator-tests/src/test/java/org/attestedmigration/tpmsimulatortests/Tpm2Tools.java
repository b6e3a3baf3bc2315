package org.attestedmigration.tpmsimulatortests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.attestedmigration.attestation.TpmUri;

/**
 * Runs tpm2-tools (5.x) as separate processes in a working directory, talking to one swtpm
 * through the swtpm TCTI. swtpm has no resource manager, so {@link #flush()} drops what a tool
 * left loaded before the next one runs.
 */
final class Tpm2Tools {
    private static final Pattern PCR_LINE = Pattern.compile("^\\s*(\\d+)\\s*:\\s*0x([0-9A-Fa-f]+)\\s*$");
    private static final Pattern BANK_LINE = Pattern.compile("^\\s*(sha1|sha256|sha384|sha512)\\s*:\\s*$");

    private final TpmUri tpm;
    private final Path dir;

    private Tpm2Tools(TpmUri tpm, Path dir) {
        this.tpm = tpm;
        this.dir = dir;
    }

    /** Tools that talk to the swtpm at {@code tpm}, run in {@code dir}. */
    static Tpm2Tools on(TpmUri tpm, Path dir) {
        return new Tpm2Tools(tpm, dir);
    }

    /** Tools that only read files (tpm2_checkquote, tpm2_eventlog), run in {@code dir}. */
    static Tpm2Tools offline(Path dir) {
        return new Tpm2Tools(null, dir);
    }

    /** Skips the calling test unless every tool is on the PATH. */
    static void assumeInstalled(String... tools) {
        for (String tool : tools) {
            assumeTrue(onPath(tool), tool + " is not installed (apt-get install tpm2-tools)");
        }
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin");
        return Arrays.stream(path.split(File.pathSeparator)).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    /** What a tool printed and returned. */
    record Result(int exitCode, String out, String err) {
        Result assertOk() {
            assertEquals(0, exitCode, () -> "tpm2-tools failed: exit " + exitCode + "\n" + out + err);
            return this;
        }
    }

    Result run(String tool, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(tool);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        if (tpm != null) {
            pb.environment().put("TPM2TOOLS_TCTI", "swtpm:host=" + tpm.host() + ",port=" + tpm.port());
        }
        try {
            Process p = pb.start();
            // Read both streams concurrently so a chatty tool cannot block on a full pipe.
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(tool + " did not finish within 30 s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err.join(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + tool, e);
        }
    }

    /** Runs the tool, fails the test unless it exits 0, then flushes what it left in the TPM. */
    Result runOk(String tool, String... args) {
        Result r = run(tool, args).assertOk();
        flush();
        return r;
    }

    /** Flushes transient objects and sessions, the job a resource manager would do. */
    void flush() {
        run("tpm2_flushcontext", "-t").assertOk();
        run("tpm2_flushcontext", "-s").assertOk();
    }

    private static byte[] readAll(InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * PCR values from the YAML that tpm2_pcrread prints and from the {@code pcrs:} section of
     * tpm2_eventlog, keyed like {@code sha256:17}, values in lowercase hex.
     */
    static Map<String, String> parsePcrs(String yaml) {
        Map<String, String> values = new LinkedHashMap<>();
        String bank = null;
        for (String line : yaml.split("\n")) {
            Matcher b = BANK_LINE.matcher(line);
            Matcher v = PCR_LINE.matcher(line);
            if (b.matches()) {
                bank = b.group(1);
            } else if (bank != null && v.matches()) {
                values.put(bank + ":" + Integer.parseInt(v.group(1)), v.group(2).toLowerCase());
            } else if (!line.startsWith(" ")) {
                bank = null; // a new top-level key ends the bank's list
            }
        }
        return values;
    }

    /** The part of tpm2_eventlog's output after its top-level {@code pcrs:} key. */
    static String pcrsSection(String eventlogYaml) {
        int at = eventlogYaml.indexOf("\npcrs:");
        if (at < 0) {
            throw new AssertionError("tpm2_eventlog printed no pcrs: section:\n" + eventlogYaml);
        }
        return eventlogYaml.substring(at + 1);
    }
}
