package org.attestedmigration.policy;

import java.util.List;
import org.attestedmigration.attestation.VerifiedEvidence;

/** Evaluates a {@link Policy}'s rules against verified evidence. (Placeholder until the evaluator lands.) */
final class PolicyEvaluator {
    private final Policy policy;

    PolicyEvaluator(Policy policy) {
        this.policy = policy;
    }

    Verdict evaluate(VerifiedEvidence evidence, EvaluationContext context) {
        return Verdict.of(List.of(RuleResult.fail("policy.evaluator", "not implemented; policy " + policy.name() + " rejects everything")));
    }
}
