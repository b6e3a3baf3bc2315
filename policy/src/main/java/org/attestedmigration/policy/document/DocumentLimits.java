package org.attestedmigration.policy.document;

/**
 * Bounds on what the reader accepts, so that a hostile or broken file costs little memory and time.
 * A real policy is a few hundred lines, about seven levels deep.
 *
 * @param maxChars  largest document, in characters (and in bytes for files)
 * @param maxDepth  deepest nesting of mappings and lists
 * @param maxNodes  most keys, list items and values altogether
 */
public record DocumentLimits(int maxChars, int maxDepth, int maxNodes) {
    public static final DocumentLimits DEFAULT = new DocumentLimits(1 << 20, 16, 50_000);
}
