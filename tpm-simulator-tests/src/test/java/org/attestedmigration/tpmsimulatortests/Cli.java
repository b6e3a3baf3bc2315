package org.attestedmigration.tpmsimulatortests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.attestedmigration.attestation.TpmUri;
import org.attestedmigration.cli.AttestedMigrate;
import picocli.CommandLine;

/** Runs {@code attested-migrate} in-process, as a user would from a shell, and captures what it prints. */
final class Cli {
    private Cli() {
    }

    /** What one run of the command printed and returned. */
    record Run(int exitCode, String out, String err) {
        /** Fails with everything the command printed, so a failing test shows why. */
        Run assertExit(int expected) {
            assertEquals(expected, exitCode, this::describe);
            return this;
        }

        /** A user mistake or an unreachable TPM is explained in a line, never with a stack trace. */
        Run assertNoStackTrace() {
            assertFalse(err.contains("\tat ") || err.contains("Exception in") || out.contains("\tat "), this::describe);
            return this;
        }

        String describe() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = AttestedMigrate.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /**
     * Stand-ins for the images of a tboot/Xen launch. Their contents only need to be distinct and
     * stable: txt-launch measures bytes, it does not parse them.
     */
    record LaunchFiles(Path sinit, Path tboot, Path xen, String xenCmdline, Path vmlinuz, String dom0Cmdline, Path initrd) {
        static LaunchFiles write(Path dir, String xenCmdline) throws IOException {
            Files.createDirectories(dir);
            return new LaunchFiles(
                    image(dir, "sinit.bin", "SINIT ACM for a test platform"),
                    image(dir, "tboot.gz", "tboot 1.11"),
                    image(dir, "xen.gz", "Xen 4.17 hypervisor"), xenCmdline,
                    image(dir, "vmlinuz", "dom0 Linux kernel"), "root=/dev/sda1 ro console=hvc0",
                    image(dir, "initrd.img", "dom0 initial ram disk"));
        }

        private static Path image(Path dir, String name, String content) throws IOException {
            return Files.write(dir.resolve(name), (content + "\n").repeat(64).getBytes(StandardCharsets.US_ASCII));
        }

        /** The arguments of {@code tpm txt-launch} for these files. */
        String[] txtLaunchArgs(TpmUri tpm, Path eventLog) {
            List<String> args = new ArrayList<>(List.of("tpm", "txt-launch", "--tpm", tpm.toString(),
                    "--sinit", sinit.toString(), "--mle", tboot.toString(),
                    "--module", xen + ":" + xenCmdline,
                    "--module", vmlinuz + ":" + dom0Cmdline,
                    "--module", initrd.toString(),
                    "--event-log", eventLog.toString()));
            return args.toArray(String[]::new);
        }
    }
}
