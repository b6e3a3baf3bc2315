package org.attestedmigration.tpmsimulatortests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code bench migration} with tiny sizes: every figure is there and plausible; the timings themselves are not judged. */
class BenchMigrationTest {
    @Test
    void tinyRunPrintsEveryFigureAsOneJsonObject() throws Exception {
        Cli.Run run = Cli.run("bench", "migration", "--disk-mib", "8", "--memory-mib", "8", "--dirty-rates", "0,4",
                "--downtime-disk-mib", "4", "--guest-writes", "500", "--sample-seconds", "1", "--json");
        run.assertExit(0).assertNoStackTrace();

        JsonNode figures = new ObjectMapper().readTree(run.out());
        JsonNode total = figures.get("total");
        assertEquals(8L << 20, total.get("diskBytes").asLong(), run.describe());
        assertTrue(total.get("bytesSent").asLong() >= 8L << 20, "the whole disk was sent: " + total);
        assertTrue(total.get("totalMs").asLong() > 0 && total.get("megabytesPerSecond").asDouble() > 0, total.toString());
        assertTrue(figures.get("baselines").isArray() && figures.get("baselines").size() > 0, "baselines measured or said why not");

        JsonNode writes = figures.get("guestWrites");
        for (String mode : new String[] {"none", "sync", "async"}) {
            JsonNode w = writes.get(mode);
            assertEquals(mode, w.get("mode").asText());
            assertTrue(w.get("writes").asLong() > 0 && w.get("megabytesPerSecond").asDouble() > 0, "the guest wrote: " + w);
        }
        assertTrue(writes.at("/sync/migrationMs").asLong() > 0 && writes.at("/async/downtimeMs").asLong() > 0, writes.toString());

        JsonNode downtime = figures.get("downtime");
        assertEquals(2, downtime.size(), downtime.toString());
        assertEquals(4, downtime.get(1).get("dirtyMiBps").asLong());
        for (JsonNode d : downtime) {
            assertEquals(8, d.get("memoryMib").asInt());
            assertTrue(d.get("downtimeMs").asLong() > 0 && d.get("precopyRounds").asInt() >= 1 && d.get("memoryBytesSent").asLong() > 0,
                    d.toString());
        }
    }

    @Test
    void impossibleSizesAreAUsageError() {
        Cli.run("bench", "migration", "--memory-mib", "4096").assertExit(2).assertNoStackTrace();
    }
}
