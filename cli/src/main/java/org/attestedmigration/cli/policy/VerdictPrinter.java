package org.attestedmigration.cli.policy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import org.attestedmigration.cli.Json;
import org.attestedmigration.policy.RuleResult;
import org.attestedmigration.policy.Verdict;

/** A verdict as text (one line per rule) or as JSON. */
public final class VerdictPrinter {
    private VerdictPrinter() {
    }

    public static void print(Verdict verdict, PrintWriter out) {
        out.println("verdict: " + verdict.decision());
        for (RuleResult r : verdict.results()) {
            String mark = switch (r.status()) {
                case PASS -> "ok  ";
                case FAIL -> "FAIL";
                case NOT_APPLICABLE -> "n/a ";
            };
            out.printf("  %s %-24s %s%n", mark, r.rule(), r.detail());
        }
    }

    public static ObjectNode toJson(Verdict verdict) {
        ObjectNode n = Json.object().put("verdict", verdict.decision().name());
        ArrayNode rules = n.putArray("rules");
        for (RuleResult r : verdict.results()) {
            rules.addObject().put("rule", r.rule()).put("status", r.status().name()).put("detail", r.detail());
        }
        ArrayNode reasons = n.putArray("reasons");
        verdict.reasons().forEach(reasons::add);
        return n;
    }
}
