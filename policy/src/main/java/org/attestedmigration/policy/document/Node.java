package org.attestedmigration.policy.document;

/**
 * A node of a parsed policy document that remembers where it was written. Jackson's own tree
 * forgets positions, and every problem must name a line and column.
 */
public sealed interface Node permits ScalarNode, MappingNode, SequenceNode {
    Position position();

    /** "a string", "a list", ... for "expected X, found Y" messages. */
    String description();
}
