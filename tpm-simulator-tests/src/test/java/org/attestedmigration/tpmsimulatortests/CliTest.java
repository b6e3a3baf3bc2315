package org.attestedmigration.tpmsimulatortests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.attestedmigration.attestation.TpmUri;
import org.attestedmigration.cli.ExitCode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How the CLI answers mistakes: a usage error (exit 2) or an unreachable TPM (exit 3) is one
 * line that says what to fix, never a stack trace. None of these needs a running TPM.
 */
class CliTest {
    /** A well-formed URI for commands that must fail on their arguments before connecting to it. */
    private static final String SOME_TPM = "swtpm://127.0.0.1:2321";
    private static final String NONCE = "00112233445566778899aabbccddeeff";

    @TempDir
    Path dir;
    private Cli.LaunchFiles launchFiles;

    @BeforeEach
    void writeInputs() throws Exception {
        launchFiles = Cli.LaunchFiles.write(dir.resolve("images"), "console=vga");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:2321", "tcp://127.0.0.1:2321", "/dev/tpmrm0"})
    void unknownTpmSchemeIsAUsageErrorNamingTheAcceptedForms(String uri) {
        Cli.Run run = usageError("tpm", "pcrs", "--tpm", uri);
        assertMentions(run, uri, "swtpm://HOST:PORT", "mssim://HOST:PORT", "device:///dev/tpmrm0");
    }

    @Test
    void swtpmUriWithoutPortIsAUsageError() {
        assertMentions(usageError("tpm", "ek", "--tpm", "swtpm://127.0.0.1"), "HOST:PORT");
    }

    @Test
    void missingRequiredOptionIsAUsageErrorNamingIt() {
        Cli.Run run = usageError("tpm", "quote", "--tpm", SOME_TPM, "--nonce", NONCE);
        assertMentions(run, "--out", "try: attested-migrate tpm quote --help");
    }

    @ParameterizedTest
    @ValueSource(strings = {"not-hex", "abc", "0xzz"})
    void nonHexNonceIsAUsageError(String nonce) {
        Cli.Run run = usageError("tpm", "quote", "--tpm", SOME_TPM, "--nonce", nonce, "--out", dir.toString());
        assertMentions(run, "'" + nonce + "'", "hex");
    }

    @Test
    void nonceLongerThanExtraDataIsAUsageError() {
        Cli.Run run = usageError("tpm", "quote", "--tpm", SOME_TPM, "--nonce", "ab".repeat(65), "--out", dir.toString());
        assertMentions(run, "65 bytes", "64");
    }

    @Test
    void nonceOf64BytesPassesTheCheckAndReachesForTheTpm() throws Exception {
        // The boundary: 64 bytes is legal, so the command gets as far as connecting (and finds no TPM).
        Cli.run("tpm", "quote", "--tpm", closedPortUri(), "--nonce", "ab".repeat(64), "--out", dir.toString())
                .assertExit(ExitCode.FAILURE).assertNoStackTrace();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "sha999:1       | sha999",
        "sha256:24      | 24",
        "sha256:-1      | -1",
        "sha256:17,x    | 'x'",
        "17,18          | sha256:0,17,18,19"})
    void badPcrSelectionIsAUsageErrorNamingTheBadPart(String selection, String named) {
        assertMentions(usageError("tpm", "pcrs", "--tpm", SOME_TPM, "--pcrs", selection), named);
        assertMentions(usageError("tpm", "quote", "--tpm", SOME_TPM, "--nonce", NONCE, "--pcrs", selection,
                "--out", dir.toString()), named);
    }

    @Test
    void unknownAkAlgorithmIsAUsageError() {
        Cli.Run run = usageError("tpm", "quote", "--tpm", closedPortUri(), "--nonce", NONCE, "--ak", "dsa", "--out", dir.toString());
        assertMentions(run, "dsa", "ecc", "rsa");
    }

    @Test
    void unknownEkTypeIsAUsageError() {
        assertMentions(usageError("tpm", "ek", "--tpm", SOME_TPM, "--type", "RSA_1024"), "RSA_1024", "RSA_2048", "ECC_P384");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--ak", "--msg", "--sig", "--pcrs"})
    void verifyQuoteWithAMissingFileIsAUsageErrorNamingIt(String option) throws Exception {
        List<String> args = verifyQuoteArgs();
        Path missing = dir.resolve("missing" + option.substring(1));
        args.set(args.indexOf(option) + 1, missing.toString());

        assertMentions(usageError(args.toArray(String[]::new)), "no such file: " + missing);
    }

    @Test
    void verifyQuoteWithAnAkThatIsNotPemIsAUsageErrorNamingIt() throws Exception {
        List<String> args = verifyQuoteArgs();
        Path notPem = Files.writeString(dir.resolve("ak.txt"), "this is not a public key\n");
        args.set(args.indexOf("--ak") + 1, notPem.toString());

        assertMentions(usageError(args.toArray(String[]::new)), notPem.toString());
    }

    /** verify-quote arguments with a real PEM key and placeholder quote files. */
    private List<String> verifyQuoteArgs() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(g.generateKeyPair().getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        Path ak = Files.writeString(dir.resolve("ak.pem"), pem);
        Path msg = Files.write(dir.resolve("quote.msg"), new byte[] {1});
        Path sig = Files.write(dir.resolve("quote.sig"), new byte[] {2});
        Path pcrs = Files.write(dir.resolve("quote.pcrs"), new byte[] {3});
        return new ArrayList<>(List.of("tpm", "verify-quote", "--ak", ak.toString(), "--msg", msg.toString(),
                "--sig", sig.toString(), "--pcrs", pcrs.toString(), "--nonce", NONCE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"pcrs", "ek", "quote", "txt-launch"})
    void unreachableTpmIsAFailureSayingSo(String command) throws Exception {
        String uri = closedPortUri();
        List<String> args = switch (command) {
            case "quote" -> List.of("tpm", "quote", "--tpm", uri, "--nonce", NONCE, "--out", dir.resolve("out").toString());
            case "txt-launch" -> List.of(launchFiles.txtLaunchArgs(TpmUri.parse(uri),
                    dir.resolve("eventlog.bin")));
            default -> List.of("tpm", command, "--tpm", uri);
        };
        Cli.Run run = Cli.run(args.toArray(String[]::new)).assertExit(ExitCode.FAILURE).assertNoStackTrace();
        assertMentions(run, "cannot reach the TPM at " + uri);
    }

    @Test
    void txtLaunchWithAMissingSinitIsAUsageErrorNamingIt() {
        String[] args = launchFiles.txtLaunchArgs(TpmUri.parse(SOME_TPM), dir.resolve("log.bin"));
        Path missing = dir.resolve("no-sinit.bin");
        args[List.of(args).indexOf("--sinit") + 1] = missing.toString();

        assertMentions(usageError(args), "no such file: " + missing);
    }

    @Test
    void txtLaunchWithAMissingModuleIsAUsageErrorNamingIt() {
        Path missing = dir.resolve("no-xen.gz");
        Cli.Run run = usageError("tpm", "txt-launch", "--tpm", SOME_TPM, "--sinit", launchFiles.sinit().toString(),
                "--mle", launchFiles.tboot().toString(), "--module", missing + ":console=vga", "--event-log", dir.resolve("log.bin").toString());
        assertMentions(run, "no such file: " + missing);
    }

    @Test
    void txtLaunchRefusesAnUnwritableEventLogBeforeTouchingTheTpm() {
        // SOME_TPM is not listening: reaching the usage error proves the TPM was not contacted first.
        Path log = dir.resolve("no-such-dir").resolve("log.bin");
        assertMentions(usageError(launchFiles.txtLaunchArgs(TpmUri.parse(SOME_TPM), log)), "cannot write the event log", "does not exist");
    }

    @Test
    void txtLaunchModuleWithoutAFileIsAUsageError() {
        Cli.Run run = usageError("tpm", "txt-launch", "--tpm", SOME_TPM, "--sinit", launchFiles.sinit().toString(),
                "--mle", launchFiles.tboot().toString(), "--module", ":console=vga", "--event-log", dir.resolve("log.bin").toString());
        assertMentions(run, "names no file", "FILE[:CMDLINE]");
    }

    @Test
    void quoteNonceShorterThan8BytesIsAUsageError() {
        assertMentions(usageError("tpm", "quote", "--tpm", SOME_TPM, "--nonce", "0102", "--out", dir.resolve("q").toString()),
                "2 bytes", "replayed");
    }

    @Test
    void txtLaunchWithAnUnknownBankIsAUsageError() {
        String[] launch = launchFiles.txtLaunchArgs(TpmUri.parse(SOME_TPM), dir.resolve("log.bin"));
        List<String> args = new ArrayList<>(List.of(launch));
        args.addAll(List.of("--banks", "sha256,md5"));
        assertMentions(usageError(args.toArray(String[]::new)), "md5");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "pcrs         | --tpm --pcrs",
        "ek           | --tpm --type",
        "txt-launch   | --tpm --sinit --mle --module --event-log --banks",
        "quote        | --tpm --nonce --pcrs --ak --event-log --out",
        "verify-quote | --ak --msg --sig --pcrs --nonce"})
    void helpOfEachTpmCommandListsItsOptions(String command, String options) {
        Cli.Run run = Cli.run("tpm", command, "--help").assertExit(ExitCode.OK);
        assertTrue(run.out().startsWith("Usage: attested-migrate tpm " + command), run.describe());
        for (String option : options.split(" ")) {
            assertTrue(run.out().contains(option), option + " in\n" + run.describe());
        }
    }

    @Test
    void versionIsPrinted() {
        Cli.Run run = Cli.run("--version").assertExit(ExitCode.OK);
        assertTrue(run.out().strip().matches("attested-migrate \\d+\\.\\d+\\.\\d+.*"), run.describe());
    }

    private static Cli.Run usageError(String... args) {
        Cli.Run run = Cli.run(args).assertExit(ExitCode.USAGE).assertNoStackTrace();
        assertTrue(run.err().startsWith("error: "), run.describe());
        return run;
    }

    private static void assertMentions(Cli.Run run, String... texts) {
        for (String text : texts) {
            assertTrue(run.err().contains(text), "'" + text + "' in\n" + run.describe());
        }
    }

    /** A swtpm URI whose data and control ports nobody listens on (just released by the OS). */
    private static String closedPortUri() {
        for (int i = 0; i < 20; i++) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            if (port < 65534 && closed(port + 1)) {
                return "swtpm://127.0.0.1:" + port;
            }
        }
        throw new AssertionError("no free port pair on 127.0.0.1");
    }

    /** True if we could bind the port, so nobody else listens on it. */
    private static boolean closed(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return s.isBound();
        } catch (IOException e) {
            return false;
        }
    }
}
