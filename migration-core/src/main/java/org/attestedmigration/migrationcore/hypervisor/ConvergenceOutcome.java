package org.attestedmigration.migrationcore.hypervisor;

/** Why pre-copy stopped. */
public enum ConvergenceOutcome {
    /** The dirty set fell to the converged size. */
    CONVERGED,
    /** The dirty set stopped shrinking. */
    STALLED,
    /** The pre-copy deadline passed (possibly inside a round). */
    DEADLINE,
    /** The round limit was reached. */
    MAX_ROUNDS
}
