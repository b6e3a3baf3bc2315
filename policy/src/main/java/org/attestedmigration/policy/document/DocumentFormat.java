package org.attestedmigration.policy.document;

import java.util.Locale;

/** The two syntaxes a policy may be written in. */
public enum DocumentFormat {
    YAML, JSON;

    /**
     * The extension decides; without a known one, a document whose first character is '{' is JSON.
     * JSON is also valid YAML, but the JSON parser gives JSON's error messages and positions.
     */
    public static DocumentFormat detect(String fileName, String text) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".json")) {
            return JSON;
        }
        if (lower.endsWith(".yaml") || lower.endsWith(".yml")) {
            return YAML;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\uFEFF' || Character.isWhitespace(c)) {
                continue;
            }
            return c == '{' ? JSON : YAML;
        }
        return YAML;
    }
}
