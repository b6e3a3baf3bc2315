package org.attestedmigration.cli.agent;

import org.attestedmigration.cli.UserInputException;

/** Parses {@code --max-bandwidth}: bytes per second, with an optional decimal suffix k, M or G (e.g. {@code 200M}). */
final class Bandwidth {
    private Bandwidth() {
    }

    static long parse(String text) {
        String t = text.trim();
        long factor = 1;
        if (!t.isEmpty()) {
            switch (Character.toLowerCase(t.charAt(t.length() - 1))) {
                case 'k' -> factor = 1_000L;
                case 'm' -> factor = 1_000_000L;
                case 'g' -> factor = 1_000_000_000L;
                default -> factor = 1;
            }
        }
        String digits = factor == 1 ? t : t.substring(0, t.length() - 1);
        try {
            long value = Math.multiplyExact(Long.parseLong(digits), factor);
            if (value < 0) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new UserInputException("--max-bandwidth '" + text + "' is not bytes per second (e.g. 50000000, 200M, 1G)");
        }
    }
}
