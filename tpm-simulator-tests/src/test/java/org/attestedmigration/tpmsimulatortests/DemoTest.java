package org.attestedmigration.tpmsimulatortests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.attestedmigration.cli.AttestedMigrate;
import org.attestedmigration.cli.ExitCode;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The README's demo: two emulated hosts with their own swtpm attest each other. */
class DemoTest {
    @Test
    void trustedHostsAcceptEachOther() throws Exception {
        StringWriter out = new StringWriter();
        int exit = run(out, "demo", "--json", "--disk-mib", "64");
        assertEquals(ExitCode.OK, exit, out.toString());
        JsonNode result = new ObjectMapper().readTree(out.toString());
        assertEquals("migrated", result.get("result").asText());
        for (String side : new String[] {"source", "destination"}) {
            JsonNode a = result.get("attestation").get(side);
            assertEquals("ACCEPT", a.get("verdict").asText(), side + ": " + a);
            assertTrue(a.get("rules").size() >= 13, side + ": every rule is reported: " + a);
            assertEquals(64, a.get("pcr18").asText().length());
        }
        JsonNode channel = result.get("channel");
        assertTrue(channel.get("opened").asBoolean(), channel.toString());
        assertTrue(channel.get("detail").asText().contains("TLSv1.3"), channel.toString());
        JsonNode disk = result.get("disk");
        assertEquals(64L << 20, disk.get("sizeBytes").asLong());
        assertEquals(disk.get("sourceDigest").asText(), disk.get("destinationDigest").asText(), "the disk arrived identical");
        assertTrue(result.get("bytesSent").asLong() >= 64L << 20, "at least the whole disk crossed the channel: " + result);
        JsonNode memory = result.get("memory");
        assertEquals(memory.get("sourceDigest").asText(), memory.get("destinationDigest").asText(), "the memory arrived identical");
        assertTrue(memory.get("precopyRounds").asInt() >= 1 && memory.get("pagesSent").asLong() > 0, memory.toString());
        assertTrue(result.get("downtimeMs").asLong() > 0, "the VM was really paused: " + result);
        assertTrue(result.get("downtimeMs").asLong() < result.get("totalMs").asLong(), result.toString());
        // Both hosts booted the same software, so they show the same launch PCRs.
        assertEquals(result.at("/attestation/source/pcr18"), result.at("/attestation/destination/pcr18"));
        // Both agents' status: the destination serves the VM and runs its guest, the source neither.
        assertEquals("destination", result.at("/vm/runsAt").asText(), result.toString());
        assertEquals("running", result.at("/vm/guest").asText(), result.toString());
        assertTrue(disk.get("guestBytesWritten").asLong() > 0, "the guest wrote its disk while it migrated: " + disk);
    }

    @Test
    void guestRunningAsASimVmProcessMigratesToo() throws Exception {
        StringWriter out = new StringWriter();
        int exit = run(out, "demo", "--json", "--guest", "process", "--disk-mib", "32");
        assertEquals(ExitCode.OK, exit, out.toString());
        JsonNode result = new ObjectMapper().readTree(out.toString());
        assertEquals("migrated", result.get("result").asText(), result.toString());
        assertEquals(result.at("/disk/sourceDigest"), result.at("/disk/destinationDigest"), result.toString());
        assertEquals(result.at("/memory/sourceDigest"), result.at("/memory/destinationDigest"), result.toString());
        assertEquals("destination", result.at("/vm/runsAt").asText(), result.toString());
        assertEquals("running", result.at("/vm/guest").asText(), "the destination's guest process runs: " + result);

        StringWriter err = new StringWriter();
        assertEquals(ExitCode.USAGE, run(new StringWriter(), err, "demo", "--guest", "vm"));
        assertTrue(err.toString().contains("unknown --guest"), err.toString());
    }

    @Test
    void refusedDestinationGetsNothingAndTheVmKeepsRunningAtTheSource() throws Exception {
        StringWriter out = new StringWriter();
        int exit = run(out, "demo", "--json", "--scenario", "untrusted-destination", "--disk-mib", "16");
        assertEquals(ExitCode.REJECTED, exit, out.toString());
        JsonNode result = new ObjectMapper().readTree(out.toString());
        assertEquals("refused", result.get("result").asText());
        assertEquals("REJECT", result.at("/attestation/destination/verdict").asText(), result.toString());
        assertFalse(result.at("/channel/opened").asBoolean(), result.toString());
        assertEquals(0, result.get("bytesSent").asLong(), "no disk block or memory page crossed: " + result);
        assertTrue(result.get("disk").isNull() && result.get("memory").isNull(), result.toString());
        assertEquals("source", result.at("/vm/runsAt").asText(), "the source still serves the VM: " + result);
        assertEquals("running", result.at("/vm/guest").asText(), "and its guest runs there: " + result);
    }

    @Test
    void destinationWithUnapprovedXenIsRefusedWithTheReason() throws Exception {
        StringWriter out = new StringWriter();
        int exit = run(out, "demo", "--scenario", "untrusted-destination", "--disk-mib", "16");
        assertEquals(ExitCode.REJECTED, exit, out.toString());
        String text = out.toString();
        assertTrue(text.contains("source verifies destination: REJECT"), text);
        assertTrue(text.contains("launch.hypervisor") && text.contains("xen.gz"), text);
        assertTrue(text.contains("destination verifies source: ACCEPT"), text);
        assertFalse(text.contains("ACCEPTED both ways"), text);
        // The step the destination records depends on which of the source's messages it was waiting for when the REJECT came.
        assertTrue(text.contains("channel: refused by the source at ") && text.contains("no disk block was sent"), text);
    }

    @Test
    void unknownScenarioIsAUsageError() {
        StringWriter err = new StringWriter();
        assertEquals(ExitCode.USAGE, run(new StringWriter(), err, "demo", "--scenario", "nonsense"));
        assertTrue(err.toString().contains("unknown scenario"), err.toString());
    }

    private static int run(StringWriter out, String... args) {
        return run(out, new StringWriter(), args);
    }

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = AttestedMigrate.commandLine();
        cl.setOut(new PrintWriter(out, true));
        // With --json, progress goes to stderr as JSON lines; stdout holds the summary alone.
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }
}
