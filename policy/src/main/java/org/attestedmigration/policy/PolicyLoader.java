package org.attestedmigration.policy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.attestedmigration.policy.document.DocumentLimits;
import org.attestedmigration.policy.document.DocumentReader;
import org.attestedmigration.policy.document.Node;
import org.attestedmigration.policy.document.PolicyBinder;
import org.attestedmigration.policy.document.Problems;

/**
 * Loads a trust policy (docs/policy-format.md) strictly: YAML or JSON, every key known, every
 * value of the right type and form, every reference resolved. All problems found are thrown
 * together in a {@link PolicyException}, each with the file, line and column it is about. Any
 * input, however hostile, ends in a policy or a {@code PolicyException}, never an unchecked
 * exception.
 */
public final class PolicyLoader {
    private PolicyLoader() {
    }

    /** Loads a policy file (UTF-8); JSON when its name ends in .json or its content starts with '{'. */
    public static Policy load(Path file) throws PolicyException, IOException {
        String name = file.toString();
        int max = DocumentLimits.DEFAULT.maxChars();
        byte[] bytes;
        // Read at most one byte past the limit, so a huge (or endless) file is never read whole.
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(max + 1);
        }
        if (bytes.length > max) {
            throw new PolicyException(new PolicyProblem(name, 1, 1, "the file is too large: a policy file is at most " + max + " bytes"));
        }
        return parse(decode(bytes, name), name);
    }

    /** Parses a policy document; {@code fileName} is used in messages and to tell JSON from YAML. */
    public static Policy parse(String text, String fileName) throws PolicyException {
        Problems problems = new Problems(fileName);
        Node root = DocumentReader.read(text, fileName, DocumentLimits.DEFAULT, problems);
        return PolicyBinder.bind(root, problems);
    }

    private static String decode(byte[] bytes, String name) throws PolicyException {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new PolicyException(new PolicyProblem(name, 1, 1, "the file is not valid UTF-8"));
        }
    }
}
