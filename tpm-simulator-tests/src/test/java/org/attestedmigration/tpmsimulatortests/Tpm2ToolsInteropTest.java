package org.attestedmigration.tpmsimulatortests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Stream;
import org.attestedmigration.attestation.swtpm.SoftwareTpm;
import org.attestedmigration.cli.ExitCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Quotes travel both ways between our CLI and tpm2-tools 5.x: tpm2_checkquote accepts what
 * {@code tpm quote} writes, and {@code tpm verify-quote} accepts what tpm2_quote writes and
 * rejects every tampering with the check that caught it. One swtpm, launched once with
 * {@code tpm txt-launch} so that PCR 17-19 hold a real launch rather than their reset value.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Tpm2ToolsInteropTest {
    private static final String NONCE = "5eed0f7e57c0ffee5eed0f7e57c0ffee5eed0f7e57c0ffee5eed0f7e57c0ffee";
    private static final String OTHER_NONCE = "0bad" + NONCE.substring(4);
    private static final String QUOTED = "sha256:0,17,18,19";

    @TempDir
    static Path dir;
    private SoftwareTpm swtpm;
    private Tpm2Tools tools;

    /** The AKs tpm2-tools can both create and verify (5.4 cannot check RSAPSS). */
    enum ToolsAk {
        ECC("ecc", "ecdsa"), RSA("rsa", "rsassa");

        final String keyType;
        final String scheme;

        ToolsAk(String keyType, String scheme) {
            this.keyType = keyType;
            this.scheme = scheme;
        }

        Path dir(Path root) {
            return root.resolve("tpm2-tools-" + name().toLowerCase());
        }
    }

    @BeforeAll
    void launchAndQuoteWithTpm2Tools() throws Exception {
        Tpm2Tools.assumeInstalled("swtpm", "swtpm_setup", "tpm2_createek", "tpm2_createak", "tpm2_quote", "tpm2_checkquote", "tpm2_nvread",
                "tpm2_flushcontext");
        swtpm = SoftwareTpm.start(dir.resolve("tpm"));
        Cli.LaunchFiles files = Cli.LaunchFiles.write(dir.resolve("images"), "dom0_mem=4096M");
        Cli.run(files.txtLaunchArgs(swtpm.uri(), dir.resolve("eventlog.bin"))).assertExit(ExitCode.OK);

        // tpm2-tools' own quotes, made once: creating keys is the slow part.
        tools = Tpm2Tools.on(swtpm.uri(), dir);
        tools.flush();
        tools.runOk("tpm2_createek", "-c", "ek.ctx", "-G", "rsa", "-u", "ek.pub");
        for (ToolsAk ak : ToolsAk.values()) {
            Path d = Files.createDirectories(ak.dir(dir));
            tools.runOk("tpm2_createak", "-C", "ek.ctx", "-c", d.resolve("ak.ctx").toString(), "-G", ak.keyType,
                    "-g", "sha256", "-s", ak.scheme, "-u", d.resolve("ak.pem").toString(), "-f", "pem",
                    "-n", d.resolve("ak.name").toString(), "-r", d.resolve("ak.priv").toString());
            tools.runOk("tpm2_quote", "-c", d.resolve("ak.ctx").toString(), "-l", QUOTED, "-q", NONCE, "-g", "sha256",
                    "-m", d.resolve("quote.msg").toString(), "-s", d.resolve("quote.sig").toString(),
                    "-o", d.resolve("quote.pcrs").toString());
        }
    }

    @AfterAll
    void stopTpm() {
        if (swtpm != null) {
            swtpm.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ecc", "rsa"})
    void tpm2CheckquoteAcceptsOurQuoteOnlyWithItsNonce(String ak) {
        Path out = dir.resolve("ours-" + ak);
        Cli.run("tpm", "quote", "--tpm", swtpm.uri().toString(), "--nonce", NONCE, "--pcrs", QUOTED, "--ak", ak,
                "--event-log", dir.resolve("eventlog.bin").toString(), "--out", out.toString()).assertExit(ExitCode.OK);

        Tpm2Tools.Result accepted = checkquote(out, "ak.pub.pem", NONCE).assertOk();
        assertNotEquals("ff".repeat(32), Tpm2Tools.parsePcrs(accepted.out()).get("sha256:17"),
                "the quote must cover the launched PCR 17, not its reset value");

        assertNotEquals(0, checkquote(out, "ak.pub.pem", OTHER_NONCE).exitCode(), "tpm2_checkquote must refuse a quote over another nonce");
    }

    @ParameterizedTest
    @EnumSource(ToolsAk.class)
    void ourVerifyQuoteAcceptsTpm2QuoteAndPrintsThePcrs(ToolsAk ak) {
        Path d = ak.dir(dir);
        Cli.Run run = verifyQuote(d, NONCE).assertExit(ExitCode.OK);

        // The values printed are the ones tpm2_quote reported, as tpm2_checkquote prints them.
        Map<String, String> expected = Tpm2Tools.parsePcrs(checkquote(d, "ak.pem", NONCE).assertOk().out());
        assertEquals(4, expected.size(), "tpm2_checkquote output: " + expected);
        for (Map.Entry<String, String> pcr : expected.entrySet()) {
            assertTrue(run.out().contains(pcr.getKey() + " " + pcr.getValue()), pcr.getKey() + " in\n" + run.describe());
        }
    }

    @Test
    void ourQuoteWritesEvidenceFilesThatTpm2ToolsParse() throws Exception {
        Tpm2Tools.assumeInstalled("tpm2_print");
        Path out = dir.resolve("ours-files");
        Cli.run("tpm", "quote", "--tpm", swtpm.uri().toString(), "--nonce", NONCE, "--ak", "rsa",
                "--event-log", dir.resolve("eventlog.bin").toString(), "--out", out.toString()).assertExit(ExitCode.OK);

        for (String f : new String[] {"quote.msg", "quote.sig", "quote.pcrs", "ak.pub", "ak.pub.pem", "ek.pub", "ek.crt", "eventlog.bin"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        Tpm2Tools offline = Tpm2Tools.offline(out);
        String ak = offline.run("tpm2_print", "-t", "TPM2B_PUBLIC", "ak.pub").assertOk().out();
        assertTrue(ak.contains("restricted") && ak.contains("sign"), "an AK is a restricted signing key:\n" + ak);
        offline.run("tpm2_print", "-t", "TPM2B_PUBLIC", "ek.pub").assertOk();
        assertArrayEquals(Files.readAllBytes(dir.resolve("eventlog.bin")), Files.readAllBytes(out.resolve("eventlog.bin")));
        // ek.crt is the very PEM that `tpm ek` prints for this TPM.
        String ekPem = Cli.run("tpm", "ek", "--tpm", swtpm.uri().toString()).assertExit(ExitCode.OK).out();
        assertEquals(ekPem.strip(), Files.readString(out.resolve("ek.crt")).strip());
    }

    private static Tpm2Tools.Result checkquote(Path quoteDir, String akPem, String nonce) {
        return Tpm2Tools.offline(quoteDir).run("tpm2_checkquote", "-u", akPem, "-m", "quote.msg", "-s", "quote.sig",
                "-f", "quote.pcrs", "-g", "sha256", "-q", nonce);
    }

    /** Each way of changing tpm2_quote's files, and the check of verify-quote that must catch it. */
    enum Tampering {
        FLIPPED_PCR_DIGEST_IN_QUOTE("quote.msg", "SIGNATURE") {
            @Override
            byte[] apply(byte[] b) {
                return flip(b, b.length - 1); // last byte of the signed PCR digest: the message no longer matches its signature
            }
        },
        FLIPPED_SIGNATURE("quote.sig", "SIGNATURE") {
            @Override
            byte[] apply(byte[] b) {
                return flip(b, b.length - 1);
            }
        },
        FLIPPED_PCR_VALUE("quote.pcrs", "PCR_VALUES") {
            @Override
            byte[] apply(byte[] b) {
                // The first digest's buffer: 132 bytes of selections, a u32 block count, a u32 digest count, a u16 size.
                return flip(b, 132 + 4 + 4 + 2);
            }
        },
        TRUNCATED_QUOTE("quote.msg", "QUOTE_STRUCTURE") {
            @Override
            byte[] apply(byte[] b) {
                return Arrays.copyOf(b, b.length - 5);
            }
        };

        final String file;
        final String check;

        Tampering(String file, String check) {
            this.file = file;
            this.check = check;
        }

        abstract byte[] apply(byte[] original);

        private static byte[] flip(byte[] b, int at) {
            byte[] copy = b.clone();
            copy[at] ^= 0x01;
            return copy;
        }
    }

    static Stream<Arguments> tamperings() {
        return Stream.of(ToolsAk.values()).flatMap(ak -> Stream.of(Tampering.values()).map(t -> Arguments.of(ak, t)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("tamperings")
    void ourVerifyQuoteRejectsTamperedTpm2QuoteNamingTheCheck(ToolsAk ak, Tampering tampering) throws Exception {
        Path original = ak.dir(dir);
        Path copy = Files.createDirectories(dir.resolve("tampered-" + ak + "-" + tampering));
        for (String f : new String[] {"ak.pem", "quote.msg", "quote.sig", "quote.pcrs"}) {
            Files.copy(original.resolve(f), copy.resolve(f));
        }
        Files.write(copy.resolve(tampering.file), tampering.apply(Files.readAllBytes(original.resolve(tampering.file))));

        Cli.Run run = verifyQuote(copy, NONCE).assertExit(ExitCode.REJECTED).assertNoStackTrace();

        assertTrue(run.err().startsWith("REJECTED: " + tampering.check + ": "), run.describe());
    }

    @ParameterizedTest
    @EnumSource(ToolsAk.class)
    void ourVerifyQuoteRejectsTpm2QuoteOverAnotherNonce(ToolsAk ak) {
        Cli.Run run = verifyQuote(ak.dir(dir), OTHER_NONCE).assertExit(ExitCode.REJECTED).assertNoStackTrace();
        assertTrue(run.err().startsWith("REJECTED: NONCE: "), run.describe());
    }

    private static Cli.Run verifyQuote(Path d, String nonce) {
        return Cli.run("tpm", "verify-quote", "--ak", d.resolve("ak.pem").toString(), "--msg", d.resolve("quote.msg").toString(),
                "--sig", d.resolve("quote.sig").toString(), "--pcrs", d.resolve("quote.pcrs").toString(), "--nonce", nonce);
    }

    @ParameterizedTest
    @CsvSource({"RSA_2048, 0x01c00002", "ECC_P384, 0x01c00016"})
    void ourEkCertificateIsTheOneTpm2NvreadReturns(String type, String nvIndex) throws Exception {
        Cli.Run ek = Cli.run("tpm", "ek", "--tpm", swtpm.uri().toString(), "--type", type).assertExit(ExitCode.OK);
        String pem = ek.out().strip();
        assertTrue(pem.startsWith("-----BEGIN CERTIFICATE-----") && pem.endsWith("-----END CERTIFICATE-----"), pem);
        byte[] ours = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));

        // Only now, with our connection closed, may tpm2-tools talk to the swtpm.
        Path der = dir.resolve("ek-" + type + ".der");
        tools.runOk("tpm2_nvread", "-C", "o", "-o", der.toString(), nvIndex);

        assertEquals(HexFormat.of().formatHex(Files.readAllBytes(der)), HexFormat.of().formatHex(ours));
    }
}
