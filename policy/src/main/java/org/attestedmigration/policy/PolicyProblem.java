package org.attestedmigration.policy;

import java.util.Objects;

/**
 * One thing wrong with a policy document, where it is: the file name as given to the loader and a
 * 1-based line and column of the offending key or value.
 */
public record PolicyProblem(String file, int line, int column, String message) {
    public PolicyProblem {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(message, "message");
    }

    /** {@code file:line:column: message}, the form compilers use, so editors can jump to it. */
    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + message;
    }
}
