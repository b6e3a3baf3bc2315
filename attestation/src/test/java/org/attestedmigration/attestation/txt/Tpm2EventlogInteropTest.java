package org.attestedmigration.attestation.txt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.PcrValues;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tpm2-tools must read our log and replay it to the same PCRs; it is the reference parser here. */
class Tpm2EventlogInteropTest {
    private static final Path TOOL = Path.of("/usr/bin/tpm2_eventlog");
    private static final Pattern PCR_LINE = Pattern.compile("^\\s+(\\d+)\\s*:\\s*0x([0-9a-fA-F]+)\\s*$");

    @Test
    void tpm2EventlogReplaysThePlanLogToOurValues(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(TOOL), "tpm2_eventlog is not installed");
        MeasuredLaunchPlan plan = MeasuredLaunchPlan.of(MeasuredLaunchPlanTest.components());
        Path log = dir.resolve("launch.log");
        Files.write(log, plan.eventLog().encode());

        Process p = new ProcessBuilder(TOOL.toString(), log.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "tpm2_eventlog did not finish");
        assertEquals(0, p.exitValue(), out);

        Map<Integer, String> sha256 = pcrsOf(out, "sha256");
        PcrValues expected = plan.expectedPcrs();
        for (int pcr : new int[] {17, 18, 19}) {
            String ours = HexFormat.of().formatHex(expected.get(HashAlgorithm.SHA256, pcr).orElseThrow());
            assertEquals(ours, sha256.get(pcr), "sha256 PCR " + pcr + "\n" + out);
        }
    }

    /** The "pcrs:" section of the YAML output: bank lines, then "  17 : 0x..." lines. */
    private static Map<Integer, String> pcrsOf(String yaml, String bank) {
        Map<Integer, String> out = new HashMap<>();
        boolean inPcrs = false;
        boolean inBank = false;
        for (String line : yaml.split("\n")) {
            if (line.startsWith("pcrs:")) {
                inPcrs = true;
            } else if (inPcrs && line.trim().endsWith(":") && !line.contains("0x")) {
                inBank = line.trim().equals(bank + ":");
            } else if (inPcrs && inBank) {
                Matcher m = PCR_LINE.matcher(line);
                if (m.matches()) {
                    out.put(Integer.parseInt(m.group(1)), m.group(2).toLowerCase());
                }
            }
        }
        return out;
    }
}
