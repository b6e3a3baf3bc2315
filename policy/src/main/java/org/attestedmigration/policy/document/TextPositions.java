package org.attestedmigration.policy.document;

/** Turns a character offset into a line and column, for parsers that report only an offset. */
final class TextPositions {
    private TextPositions() {
    }

    static Position of(String text, int offset) {
        int line = 1;
        int column = 1;
        int end = Math.min(Math.max(offset, 0), text.length());
        for (int i = 0; i < end; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return new Position(line, column);
    }
}
