package org.attestedmigration.policy.document;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.attestedmigration.policy.PolicyException;
import org.attestedmigration.policy.PolicyProblem;

/**
 * Collects the problems of one document so that binding goes on after the first one: an
 * administrator fixing a policy wants the whole list at once.
 */
public final class Problems {
    private final String file;
    private final List<PolicyProblem> found = new ArrayList<>();

    public Problems(String file) {
        this.file = file;
    }

    public void add(Position at, String message) {
        found.add(new PolicyProblem(file, at.line(), at.column(), message));
    }

    public boolean isEmpty() {
        return found.isEmpty();
    }

    public int count() {
        return found.size();
    }

    /** Throws the collected problems, sorted by position, if there are any. */
    public void throwIfAny() throws PolicyException {
        if (!found.isEmpty()) {
            throw exception();
        }
    }

    /** The collected problems (at least one), sorted by position. */
    public PolicyException exception() {
        List<PolicyProblem> sorted = new ArrayList<>(found);
        sorted.sort(Comparator.comparingInt(PolicyProblem::line).thenComparingInt(PolicyProblem::column));
        return new PolicyException(sorted);
    }
}
