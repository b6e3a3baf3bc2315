package org.attestedmigration.policy;

import java.util.List;

/**
 * One family of policy rules. A rule never throws for bad evidence: every problem becomes a
 * FAIL result with a reason, so that the evaluator can report all of them at once.
 */
interface PolicyRule {
    /** The rule id reported if this rule itself breaks (a bug), so the failure still has a name. */
    String id();

    /**
     * The results, one per rule id; a family such as {@code pcr.N} yields one per PCR the policy
     * lists, so none when it lists none.
     */
    List<RuleResult> evaluate(RuleInput in);
}
