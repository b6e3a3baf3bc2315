package org.attestedmigration.policy;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A policy document that cannot be loaded, with every problem found (not only the first), so an
 * administrator can fix them in one pass. The message lists them one per line as
 * {@code file:line:column: message}.
 */
public final class PolicyException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient List<PolicyProblem> problems;

    public PolicyException(List<PolicyProblem> problems) {
        super(render(problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a policy exception needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    public PolicyException(PolicyProblem problem) {
        this(List.of(problem));
    }

    /** The problems in document order (syntax errors stop reading, so they come alone). */
    public List<PolicyProblem> problems() {
        return problems;
    }

    private static String render(List<PolicyProblem> problems) {
        return problems.stream().map(PolicyProblem::toString).collect(Collectors.joining("\n"));
    }
}
