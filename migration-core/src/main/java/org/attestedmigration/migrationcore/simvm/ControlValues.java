package org.attestedmigration.migrationcore.simvm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import org.attestedmigration.migrationcore.hypervisor.ConvergenceOutcome;
import org.attestedmigration.migrationcore.hypervisor.MemoryMigrationSettings;
import org.attestedmigration.migrationcore.hypervisor.PrecopyResult;
import org.attestedmigration.migrationcore.hypervisor.ResumeResult;
import org.attestedmigration.migrationcore.hypervisor.StopAndCopyResult;

/**
 * The hypervisor's values as control-protocol JSON and back. Durations travel in nanoseconds and
 * instants as ISO-8601 text, so the downtime the agent reports is the one the process measured.
 */
final class ControlValues {
    private ControlValues() {
    }

    static ObjectNode settings(MemoryMigrationSettings s) {
        return ControlProtocol.JSON.createObjectNode().put("precopyDeadlineMillis", s.precopyDeadline().toMillis())
                .put("convergedBytes", s.convergedBytes()).put("maxRounds", s.maxRounds()).put("stalledRounds", s.stalledRounds())
                .put("ioTimeoutMillis", s.ioTimeout().toMillis()).put("stopAndCopyTimeoutMillis", s.stopAndCopyTimeout().toMillis());
    }

    /** @throws IllegalArgumentException a missing or invalid field */
    static MemoryMigrationSettings settings(JsonNode n) {
        return new MemoryMigrationSettings(Duration.ofMillis(whole(n, "precopyDeadlineMillis")), whole(n, "convergedBytes"),
                (int) whole(n, "maxRounds"), (int) whole(n, "stalledRounds"), Duration.ofMillis(whole(n, "ioTimeoutMillis")),
                Duration.ofMillis(whole(n, "stopAndCopyTimeoutMillis")));
    }

    static ObjectNode precopy(PrecopyResult p) {
        return ControlProtocol.JSON.createObjectNode().put("outcome", p.outcome().name()).put("rounds", p.rounds())
                .put("pagesSent", p.pagesSent()).put("dirtyPages", p.dirtyPages()).put("elapsedNanos", p.elapsed().toNanos());
    }

    static PrecopyResult precopy(JsonNode n) {
        return new PrecopyResult(ConvergenceOutcome.valueOf(n.path("outcome").asText()), (int) whole(n, "rounds"), whole(n, "pagesSent"),
                whole(n, "dirtyPages"), Duration.ofNanos(whole(n, "elapsedNanos")));
    }

    static ObjectNode stopAndCopy(StopAndCopyResult r) {
        ObjectNode n = ControlProtocol.JSON.createObjectNode();
        n.set("precopy", precopy(r.precopy()));
        return n.put("finalPages", r.finalPages()).put("pagesSent", r.pagesSent()).put("zeroPagesSent", r.zeroPagesSent())
                .put("bytesSent", r.bytesSent()).put("pausedAt", r.pausedAt().toString()).put("pausedSendingNanos", r.pausedSending().toNanos());
    }

    static StopAndCopyResult stopAndCopy(JsonNode n) {
        return new StopAndCopyResult(precopy(n.path("precopy")), whole(n, "finalPages"), whole(n, "pagesSent"), whole(n, "zeroPagesSent"),
                whole(n, "bytesSent"), Instant.parse(n.path("pausedAt").asText()), Duration.ofNanos(whole(n, "pausedSendingNanos")));
    }

    static ObjectNode resume(ResumeResult r) {
        return ControlProtocol.JSON.createObjectNode().put("epoch", r.epoch()).put("resumedAt", r.resumedAt().toString())
                .put("downtimeNanos", r.downtime().toNanos());
    }

    static ResumeResult resume(JsonNode n) {
        return new ResumeResult(whole(n, "epoch"), Instant.parse(n.path("resumedAt").asText()), Duration.ofNanos(whole(n, "downtimeNanos")));
    }

    private static long whole(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isIntegralNumber()) {
            throw new IllegalArgumentException("'" + field + "' (a whole number) is required");
        }
        return v.asLong();
    }
}
