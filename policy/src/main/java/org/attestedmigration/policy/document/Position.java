package org.attestedmigration.policy.document;

/** A 1-based line and column in a policy document. */
public record Position(int line, int column) {
    /** Where problems about the document as a whole are reported. */
    public static final Position START = new Position(1, 1);
}
