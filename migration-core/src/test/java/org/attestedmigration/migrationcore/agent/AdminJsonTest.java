package org.attestedmigration.migrationcore.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The admin API's answers survive the trip through JSON, also between agents and clients of different versions. */
class AdminJsonTest {
    private final ObjectMapper json = AdminProtocol.mapper();

    @Test
    void outcomeWithMemoryFiguresRoundTrips() throws Exception {
        MigrationOutcome outcome = new MigrationOutcome(MigrationOutcome.Result.MIGRATED, "vm1", "127.0.0.1:7443", "migrated",
                List.of(), "aa", "aa", 1 << 20, 12, 345, 2 << 20, 20,
                new MemoryReport(64L << 20, 2, "CONVERGED", 16400, 100, 2 << 20, 15, "bb"));

        assertEquals(outcome, json.readValue(json.writeValueAsString(outcome), MigrationOutcome.class));
    }

    @Test
    void outcomeOfAnAgentWithoutMemoryFiguresReadsAsNone() throws Exception {
        String older = "{\"result\":\"REFUSED\",\"vm\":\"vm1\",\"peer\":\"h:1\",\"message\":\"refused\",\"reasons\":[\"launch.hypervisor: x\"],"
                + "\"bytesSent\":0,\"pausedMillis\":0,\"totalMillis\":5,\"memoryBytesSent\":0,\"downtimeMillis\":0}";

        MigrationOutcome outcome = json.readValue(older, MigrationOutcome.class);

        assertEquals(MigrationOutcome.Result.REFUSED, outcome.result());
        assertEquals(List.of("launch.hypervisor: x"), outcome.reasons());
        assertNull(outcome.memory());
    }

    @Test
    void statusWithHandshakesRoundTrips() throws Exception {
        AgentStatus status = new AgentStatus("destination", "/127.0.0.1:7443",
                List.of(new VmStatus("vm1", "running", "/d/vm1.raw", "/d/vm1.sock", 1 << 20, "running", 42L)), List.of(),
                List.of(new PeerHandshake("2026-01-01T00:00:00Z", "source", "source", "ACCEPT", "ACCEPT", null, List.of(),
                        "TLSv1.3 TLS_AES_256_GCM_SHA384 on OPENSSL", 180)));

        assertEquals(status, json.readValue(json.writeValueAsString(status), AgentStatus.class));
    }

    @Test
    void statusOfAnAgentWithoutHandshakesReadsAsNone() throws Exception {
        AgentStatus status = json.readValue("{\"host\":\"h\",\"listen\":\"x\",\"vms\":[],\"migrations\":[]}", AgentStatus.class);

        assertEquals(List.of(), status.handshakes());
    }
}
