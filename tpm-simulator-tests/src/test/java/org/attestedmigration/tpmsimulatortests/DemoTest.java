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
        int exit = run(out, "demo", "--json");
        assertEquals(ExitCode.OK, exit, out.toString());
        JsonNode result = new ObjectMapper().readTree(out.toString());
        assertEquals("attested", result.get("result").asText());
        for (String side : new String[] {"source", "destination"}) {
            JsonNode a = result.get("attestation").get(side);
            assertEquals("ACCEPT", a.get("verdict").asText(), side + ": " + a);
            assertTrue(a.get("rules").size() >= 13, side + ": every rule is reported: " + a);
            assertEquals(64, a.get("pcr18").asText().length());
        }
        JsonNode channel = result.get("channel");
        assertTrue(channel.get("opened").asBoolean(), channel.toString());
        assertEquals(16L * 1024 * 1024, channel.get("bytesReceived").asLong(), "the stream carried every byte over the attested TLS connection");
        assertTrue(channel.get("detail").asText().contains("TLSv1.3"), channel.toString());
        // Both hosts booted the same software, so they show the same launch PCRs.
        assertEquals(result.at("/attestation/source/pcr18"), result.at("/attestation/destination/pcr18"));
    }

    @Test
    void destinationWithUnapprovedXenIsRefusedWithTheReason() throws Exception {
        StringWriter out = new StringWriter();
        int exit = run(out, "demo", "--scenario", "untrusted-destination");
        assertEquals(ExitCode.REJECTED, exit, out.toString());
        String text = out.toString();
        assertTrue(text.contains("source verifies destination: REJECT"), text);
        assertTrue(text.contains("launch.hypervisor") && text.contains("xen.gz"), text);
        assertTrue(text.contains("destination verifies source: ACCEPT"), text);
        assertFalse(text.contains("ACCEPTED both ways"), text);
        assertTrue(text.contains("channel: refused by the source at VERDICT") && text.contains("; 0 bytes carried"), text);
    }

    @Test
    void unknownScenarioIsAUsageError() {
        StringWriter out = new StringWriter();
        assertEquals(ExitCode.USAGE, run(out, "demo", "--scenario", "nonsense"));
        assertTrue(out.toString().contains("unknown scenario"), out.toString());
    }

    private static int run(StringWriter out, String... args) {
        CommandLine cl = AttestedMigrate.commandLine();
        PrintWriter w = new PrintWriter(out, true);
        cl.setOut(w);
        cl.setErr(w);
        return cl.execute(args);
    }
}
