package org.attestedmigration.policy;

import java.util.Objects;

/**
 * The outcome of one policy rule: its stable id ("launch.mle", "migration.direction", ...), whether
 * it passed, and a sentence a person can act on.
 */
public record RuleResult(String rule, Status status, String detail) {
    /** How a rule came out. */
    public enum Status { PASS, FAIL, NOT_APPLICABLE }

    public RuleResult {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(detail, "detail");
    }

    public static RuleResult pass(String rule, String detail) {
        return new RuleResult(rule, Status.PASS, detail);
    }

    public static RuleResult fail(String rule, String detail) {
        return new RuleResult(rule, Status.FAIL, detail);
    }

    public static RuleResult notApplicable(String rule, String detail) {
        return new RuleResult(rule, Status.NOT_APPLICABLE, detail);
    }

    public boolean failed() {
        return status == Status.FAIL;
    }
}
