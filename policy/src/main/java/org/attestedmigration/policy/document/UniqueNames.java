package org.attestedmigration.policy.document;

import java.util.HashMap;
import java.util.Map;

/** Reports a name (or value) seen twice where it must be unique, pointing at the first one. */
final class UniqueNames {
    private final String what;
    private final String where;
    private final Problems problems;
    private final Map<String, Position> seen = new HashMap<>();

    UniqueNames(String what, Problems problems) {
        this(what, "", problems);
    }

    /** {@code where} ("in measurements.launch.mle") follows the name in messages. */
    UniqueNames(String what, String where, Problems problems) {
        this.what = what;
        this.where = where.isEmpty() ? "" : " " + where;
        this.problems = problems;
    }

    /** Whether {@code name} is new; if not, the duplicate is reported at {@code at}. */
    boolean add(String name, Position at) {
        Position first = seen.putIfAbsent(name, at);
        if (first != null) {
            problems.add(at, "duplicate " + what + " '" + Values.shown(name) + "'" + where + " (first at line " + first.line() + ", column "
                    + first.column() + ")");
            return false;
        }
        return true;
    }

    boolean contains(String name) {
        return seen.containsKey(name);
    }
}
