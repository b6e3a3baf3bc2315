package org.attestedmigration.attestation.tpm2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.PcrValues;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Files this package writes, fed to tpm2_checkquote. RSAPSS is left out: tpm2-tools 5.4's
 * checkquote fails on RSAPSS quotes even with the files tpm2_quote itself wrote (see README.txt).
 */
class Tpm2ToolsInteropTest {
    @TempDir
    Path dir;

    private static Optional<Path> onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String d : path.split(File.pathSeparator)) {
            Path p = Path.of(d, tool);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa/", "ecc/", "rsa/multi-"})
    void checkquoteAcceptsOurPemAndPcrFile(String prefix) throws Exception {
        Optional<Path> tool = onPath("tpm2_checkquote");
        Assumptions.assumeTrue(tool.isPresent(), "tpm2_checkquote is not installed");
        String d = prefix.substring(0, prefix.indexOf('/'));
        String p = prefix.substring(prefix.indexOf('/') + 1);
        Fixtures.Quote q = new Fixtures.Quote(d, p);

        PublicArea ak = PublicArea.parseTpm2b(q.akTpm2b());
        Path pem = Files.writeString(dir.resolve("ak.pem"), PemPublicKey.write(ak.toPublicKey()), StandardCharsets.US_ASCII);
        Tpm2ToolsPcrFile read = Tpm2ToolsPcrFile.read(q.pcrs());
        // rebuild the values independently of the parsed object so write() is what is being tested
        PcrValues.Builder copy = PcrValues.builder();
        for (HashAlgorithm h : read.values().banks()) {
            for (int i : read.values().indices(h)) {
                copy.put(h, i, read.values().get(h, i).orElseThrow());
            }
        }
        List<PcrSelection> sels = Attestation.parse(q.message()).quote().pcrSelect();
        Path pcrs = Files.write(dir.resolve("quote.pcrs"), Tpm2ToolsPcrFile.write(sels, copy.build()));
        Path msg = Files.write(dir.resolve("quote.msg"), q.message());
        Path sig = Files.write(dir.resolve("quote.sig"), q.signature());
        String nonce = HexFormat.of().formatHex(q.nonce());

        assertEquals(0, run(tool.get(), pem, msg, sig, pcrs, nonce), "tpm2_checkquote on our files");

        byte[] tampered = Tpm2ToolsPcrFile.write(sels, flipFirst(read.values(), sels.get(0)));
        Files.write(pcrs, tampered);
        assertNotEquals(0, run(tool.get(), pem, msg, sig, pcrs, nonce), "tpm2_checkquote on a tampered PCR file");
    }

    private static PcrValues flipFirst(PcrValues values, PcrSelection first) {
        PcrValues.Builder b = PcrValues.builder();
        int target = first.pcrs().first();
        for (HashAlgorithm h : values.banks()) {
            for (int i : values.indices(h)) {
                byte[] v = values.get(h, i).orElseThrow();
                if (h == first.bank() && i == target) {
                    v[0] ^= 1;
                }
                b.put(h, i, v);
            }
        }
        return b.build();
    }

    private int run(Path tool, Path pem, Path msg, Path sig, Path pcrs, String nonce) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(tool.toString(), "-u", pem.toString(), "-m", msg.toString(),
                "-s", sig.toString(), "-f", pcrs.toString(), "-g", "sha256", "-q", nonce));
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("checkquote.log").toFile()).start();
        return proc.waitFor();
    }
}
