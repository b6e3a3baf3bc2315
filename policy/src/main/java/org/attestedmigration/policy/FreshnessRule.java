package org.attestedmigration.policy;

import java.time.Duration;
import java.util.List;

/**
 * {@code freshness.evidenceAge}: the evidence was verified within {@code maxEvidenceAge} of
 * issuing the nonce its quote is bound to. A nonce issued in the future means the clocks
 * disagree or the context is wrong; a small skew is tolerated, more is not.
 */
final class FreshnessRule implements PolicyRule {
    static final String ID = "freshness.evidenceAge";
    /** Slack for the nonce and "now" being read from different clocks (e.g. across a restart). */
    static final Duration CLOCK_TOLERANCE = Duration.ofSeconds(2);

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<RuleResult> evaluate(RuleInput in) {
        EvaluationContext c = in.context();
        Duration age = Duration.between(c.nonceIssuedAt(), c.now());
        Duration max = in.policy().freshness().maxEvidenceAge();
        if (age.isNegative() && age.abs().compareTo(CLOCK_TOLERANCE) > 0) {
            return List.of(RuleResult.fail(ID, "the nonce was issued at " + c.nonceIssuedAt() + ", " + RuleText.duration(age.abs())
                    + " after now (" + c.now() + "): the clocks disagree or the nonce time is wrong"));
        }
        if (age.compareTo(max) > 0) {
            return List.of(RuleResult.fail(ID, "evidence is " + RuleText.duration(age) + " old (nonce issued at "
                    + c.nonceIssuedAt() + "), more than maxEvidenceAge " + RuleText.duration(max) + "; attest again"));
        }
        Duration shown = age.isNegative() ? Duration.ZERO : age;
        return List.of(RuleResult.pass(ID, "evidence is " + RuleText.duration(shown) + " old (maxEvidenceAge "
                + RuleText.duration(max) + ")"));
    }
}
