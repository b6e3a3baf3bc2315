package org.attestedmigration.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.attestedmigration.attestation.VerifiedEvidence;

/**
 * Evaluates a {@link Policy}'s rules against verified evidence: every rule, in a fixed order,
 * even after one has failed, so that an administrator sees all the reasons at once. Fails closed:
 * a rule that breaks on unexpected input counts as failed, and a verdict without a passed
 * identity and direction rule cannot accept.
 */
final class PolicyEvaluator {
    /** In the order the results are reported; the ids are stable (JSON output shows them). */
    private static final List<PolicyRule> RULES = List.of(
            new HostIdentityRule(),
            new RevocationRule(),
            new EkManufacturerRule(),
            new MigrationDirectionRule(),
            new LaunchCompletedRule(),
            new PcrAllowlistRule(),
            new LaunchEventRules(),
            new LaunchStructureRule(),
            new FreshnessRule(),
            new TlsRules());

    /** Rules that decide who the peer is and whether it may take part at all: accepting needs each to pass. */
    private static final List<String> MUST_PASS = List.of(HostIdentityRule.ID, MigrationDirectionRule.ID);

    private final Policy policy;

    PolicyEvaluator(Policy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    Verdict evaluate(VerifiedEvidence evidence, EvaluationContext context) {
        Objects.requireNonNull(evidence, "evidence");
        Objects.requireNonNull(context, "context");
        RuleInput in = RuleInput.of(policy, evidence, context);
        List<RuleResult> results = new ArrayList<>();
        for (PolicyRule rule : RULES) {
            results.addAll(run(rule, in));
        }
        for (String id : MUST_PASS) {
            boolean passed = results.stream().anyMatch(r -> r.rule().equals(id) && r.status() == RuleResult.Status.PASS);
            boolean failed = results.stream().anyMatch(r -> r.rule().equals(id) && r.failed());
            if (!passed && !failed) {
                results.add(RuleResult.fail(id, "rule did not pass; nothing is accepted without it"));
            }
        }
        return Verdict.of(results);
    }

    /** A bug in one rule must not hide the others' results nor turn into an accept. */
    private static List<RuleResult> run(PolicyRule rule, RuleInput in) {
        try {
            return rule.evaluate(in);
        } catch (RuntimeException e) {
            return List.of(RuleResult.fail(rule.id(), "rule could not be evaluated: " + e));
        }
    }
}
