package org.attestedmigration.tpmsimulatortests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.attestedmigration.attestation.swtpm.SoftwareTpm;
import org.attestedmigration.cli.ExitCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tpm txt-launch} on a fresh swtpm, checked against tpm2-tools: the PCRs our CLI reads
 * after the launch are the ones tpm2_eventlog computes from the log we wrote, and the ones
 * tpm2_pcrread reads from the TPM.
 */
class TxtLaunchCliTest {
    private static final String XEN_CMDLINE = "dom0_mem=2048M,max:2048M loglvl=all";
    private static final List<String> BANKS = List.of("sha1", "sha256");

    @TempDir
    static Path shared;
    @TempDir
    Path dir;
    private SoftwareTpm swtpm;

    @BeforeAll
    static void provisionOnce() throws Exception {
        Tpm2Tools.assumeInstalled("swtpm", "swtpm_setup");
        // swtpm_setup is the slow part; each test restarts swtpm, and TPM2_Startup(CLEAR) resets PCR 17-19.
        SoftwareTpm.provision(shared.resolve("tpm"));
    }

    @BeforeEach
    void startFreshTpm() throws Exception {
        swtpm = SoftwareTpm.start(shared.resolve("tpm"));
    }

    @AfterEach
    void stopTpm() {
        swtpm.close();
    }

    @Test
    void pcr17ReadsAllFfBeforeTheLaunch() {
        // A platform that never did a dynamic launch keeps the DRTM PCRs at their reset value, -1.
        Map<String, String> pcrs = ourPcrs("sha256:17,18,19");
        for (int pcr = 17; pcr <= 19; pcr++) {
            assertEquals("ff".repeat(32), pcrs.get("sha256:" + pcr), "sha256:" + pcr);
        }
    }

    @Test
    void launchWritesTheEventLogAndReportsIt() throws Exception {
        Path log = dir.resolve("eventlog.bin");
        Cli.Run run = launch(XEN_CMDLINE, log);

        assertTrue(run.out().contains("events written to " + log), run.describe());
        assertTrue(Files.size(log) > 0);
        assertNotEquals("ff".repeat(32), ourPcrs("sha256:17").get("sha256:17"), "the launch must extend PCR 17");
    }

    @Test
    void pcrsAfterTheLaunchMatchTpm2EventlogReplayAndTpm2Pcrread() throws Exception {
        Tpm2Tools.assumeInstalled("tpm2_eventlog", "tpm2_pcrread");
        Path log = dir.resolve("eventlog.bin");
        launch(XEN_CMDLINE, log);

        Map<String, String> ours = new LinkedHashMap<>();
        for (String bank : BANKS) {
            ours.putAll(ourPcrs(bank + ":17,18,19"));
        }
        Map<String, String> replayed = Tpm2Tools.parsePcrs(Tpm2Tools.pcrsSection(
                Tpm2Tools.offline(dir).run("tpm2_eventlog", log.toString()).assertOk().out()));
        // Read after our CLI closed its connection: swtpm serves one client at a time.
        Map<String, String> read = Tpm2Tools.parsePcrs(
                Tpm2Tools.on(swtpm.uri(), dir).run("tpm2_pcrread", "sha1:17,18,19+sha256:17,18,19").assertOk().out());

        for (String bank : BANKS) {
            for (int pcr = 17; pcr <= 19; pcr++) {
                String key = bank + ":" + pcr;
                assertNotNull(ours.get(key), key + " missing from tpm pcrs");
                assertEquals(ours.get(key), replayed.get(key), key + " from tpm2_eventlog");
                assertEquals(ours.get(key), read.get(key), key + " from tpm2_pcrread");
            }
        }
    }

    @Test
    void theXenCommandLineIsMeasuredIntoPcr18Only() throws Exception {
        launch(XEN_CMDLINE, dir.resolve("first.bin"));
        Map<String, String> first = ourPcrs("sha256:17,18,19");
        swtpm.close();
        swtpm = SoftwareTpm.start(shared.resolve("tpm")); // a reboot, so the second launch starts from reset PCRs

        launch(XEN_CMDLINE + " iommu=off", dir.resolve("second.bin"));
        Map<String, String> second = ourPcrs("sha256:17,18,19");

        assertEquals(first.get("sha256:17"), second.get("sha256:17"), "same SINIT, same PCR 17");
        assertNotEquals(first.get("sha256:18"), second.get("sha256:18"), "Xen's command line is part of PCR 18");
        assertEquals(first.get("sha256:19"), second.get("sha256:19"), "dom0 did not change");
    }

    private Cli.Run launch(String xenCmdline, Path eventLog) throws Exception {
        Cli.LaunchFiles files = Cli.LaunchFiles.write(dir.resolve("images"), xenCmdline);
        return Cli.run(files.txtLaunchArgs(swtpm.uri(), eventLog)).assertExit(ExitCode.OK);
    }

    /** What {@code tpm pcrs} prints, as {@code sha256:17 -> hex}. */
    private Map<String, String> ourPcrs(String selection) {
        Cli.Run run = Cli.run("tpm", "pcrs", "--tpm", swtpm.uri().toString(), "--pcrs", selection).assertExit(ExitCode.OK);
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : run.out().strip().split("\n")) {
            String[] parts = line.strip().split(" ");
            values.put(parts[0], parts[1]);
        }
        return values;
    }
}
