package org.attestedmigration.policy;

import java.util.List;
import org.attestedmigration.attestation.VerificationException;

/**
 * ACCEPT or REJECT, with the result of every rule evaluated. Fail closed: any failed rule, or no
 * rule at all, rejects.
 */
public record Verdict(Decision decision, List<RuleResult> results) {
    /** The two outcomes. */
    public enum Decision { ACCEPT, REJECT }

    public Verdict {
        results = List.copyOf(results);
        boolean anyFailed = results.stream().anyMatch(RuleResult::failed);
        if (decision == Decision.ACCEPT && (anyFailed || results.isEmpty())) {
            throw new IllegalArgumentException("a verdict with failed rules, or with none, cannot accept");
        }
    }

    /** The verdict the rule results imply. */
    public static Verdict of(List<RuleResult> results) {
        boolean accept = !results.isEmpty() && results.stream().noneMatch(RuleResult::failed);
        return new Verdict(accept ? Decision.ACCEPT : Decision.REJECT, results);
    }

    /** Evidence that did not even verify: rejected by the attestation check that failed. */
    public static Verdict rejectedBy(VerificationException e) {
        return new Verdict(Decision.REJECT, List.of(RuleResult.fail("evidence." + e.check().name(), e.reason())));
    }

    public boolean accepted() {
        return decision == Decision.ACCEPT;
    }

    public List<RuleResult> failures() {
        return results.stream().filter(RuleResult::failed).toList();
    }

    /** One line per failed rule: "rule: reason". */
    public List<String> reasons() {
        return failures().stream().map(r -> r.rule() + ": " + r.detail()).toList();
    }
}
