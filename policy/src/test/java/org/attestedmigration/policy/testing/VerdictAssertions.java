package org.attestedmigration.policy.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import org.attestedmigration.policy.RuleResult;
import org.attestedmigration.policy.Verdict;

/** Assertions on one rule of a verdict, showing the whole verdict when they fail. */
public final class VerdictAssertions {
    private VerdictAssertions() {
    }

    public static RuleResult result(Verdict verdict, String rule) {
        List<RuleResult> matching = verdict.results().stream().filter(r -> r.rule().equals(rule)).toList();
        if (matching.size() != 1) {
            fail("expected exactly one result for " + rule + " in\n" + describe(verdict));
        }
        return matching.get(0);
    }

    public static void assertPasses(Verdict verdict, String rule) {
        assertStatus(verdict, rule, RuleResult.Status.PASS);
    }

    public static void assertNotApplicable(Verdict verdict, String rule) {
        assertStatus(verdict, rule, RuleResult.Status.NOT_APPLICABLE);
    }

    /** The rule failed, the verdict rejects, and the reason holds every fragment. */
    public static void assertFails(Verdict verdict, String rule, String... fragments) {
        assertStatus(verdict, rule, RuleResult.Status.FAIL);
        assertEquals(Verdict.Decision.REJECT, verdict.decision());
        String detail = result(verdict, rule).detail();
        for (String f : fragments) {
            assertTrue(detail.contains(f), rule + ": expected \"" + f + "\" in \"" + detail + "\"");
        }
    }

    /** Exactly these rules failed. */
    public static void assertOnlyFailures(Verdict verdict, String... rules) {
        assertEquals(List.of(rules), verdict.failures().stream().map(RuleResult::rule).toList(), () -> describe(verdict));
    }

    private static void assertStatus(Verdict verdict, String rule, RuleResult.Status status) {
        RuleResult r = result(verdict, rule);
        assertEquals(status, r.status(), () -> rule + ": " + r.detail() + "\n" + describe(verdict));
    }

    public static String describe(Verdict verdict) {
        StringBuilder sb = new StringBuilder(verdict.decision().name()).append('\n');
        for (RuleResult r : verdict.results()) {
            sb.append("  ").append(r.status()).append(' ').append(r.rule()).append(": ").append(r.detail()).append('\n');
        }
        return sb.toString();
    }
}
