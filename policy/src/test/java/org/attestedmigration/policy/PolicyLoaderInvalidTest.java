package org.attestedmigration.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.attestedmigration.policy.document.PolicyFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each file under policies/invalid states what it must fail with: its first line (or, for JSON,
 * the companion .expect file) is "# expect: LINE:COLUMN PHRASE".
 */
class PolicyLoaderInvalidTest {
    private static final Pattern EXPECT = Pattern.compile("# expect: (\\d+):(\\d+) (.+)");

    static Stream<Path> invalidFiles() {
        return PolicyFiles.in("invalid").stream().filter(p -> !p.toString().endsWith(".expect"));
    }

    @ParameterizedTest
    @MethodSource("invalidFiles")
    void failsAtTheExpectedPositionWithTheExpectedMessage(Path file) throws Exception {
        Path expectFile = file.toString().endsWith(".json") ? Path.of(file + ".expect") : file;
        String header = Files.readAllLines(expectFile).get(0);
        Matcher m = EXPECT.matcher(header);
        assertTrue(m.matches(), "no expectation header in " + expectFile);
        int line = Integer.parseInt(m.group(1));
        int column = Integer.parseInt(m.group(2));
        String phrase = m.group(3);

        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.load(file));
        List<PolicyProblem> problems = e.problems();
        assertTrue(problems.stream().anyMatch(p -> p.line() == line && p.column() == column && p.message().contains(phrase)),
                "expected " + line + ":" + column + " '" + phrase + "' in:\n" + e.getMessage());
        for (PolicyProblem p : problems) {
            assertTrue(p.toString().startsWith(file + ":" + p.line() + ":" + p.column() + ": "), p.toString());
        }
        assertEquals(problems.size(), e.getMessage().lines().count());
    }

    @Test
    void thereIsAGoldenFileForEveryErrorKind() {
        assertTrue(invalidFiles().count() >= 25);
    }

    @Test
    void collectsEveryProblemNotOnlyTheFirst() {
        String text = """
                apiVersion: attested-migration/v1
                serial: -1
                name: "bad name"
                hosts:
                  - name: a
                groups:
                  - name: g
                    hosts: [x]
                migrations:
                  - from: g
                    to: nowhere
                measurements:
                  pcrBank: sha256
                  colour: blue
                """;
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.parse(text, "p.yaml"));
        assertEquals(List.of("p.yaml:2:9", "p.yaml:3:7", "p.yaml:5:5", "p.yaml:8:13", "p.yaml:11:9", "p.yaml:14:3"),
                e.problems().stream().map(p -> p.file() + ":" + p.line() + ":" + p.column()).toList(), e.getMessage());
    }

    @Test
    void emptyDocumentIsAProblem() {
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.parse("# nothing\n", "p.yaml"));
        assertTrue(e.getMessage().startsWith("p.yaml:1:1: the document is empty"), e.getMessage());
    }

    @Test
    void rootMustBeAMapping() {
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.parse("- a\n- b\n", "p.yaml"));
        assertTrue(e.getMessage().contains("expected a mapping, found a list"), e.getMessage());
    }

    @Test
    void jsonNumberIsNotAString() {
        String json = "{\"apiVersion\": \"attested-migration/v1\", \"serial\": 1, \"name\": 12, \"hosts\": [], \"groups\": [],"
                + " \"migrations\": [], \"measurements\": {}}";
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.parse(json, "p.json"));
        assertEquals("p.json:1:62: name: expected a string, found an integer", e.getMessage());
    }

    @Test
    void platformRejectsEventsThatHaveTheirOwnCategory() {
        String text = """
                apiVersion: attested-migration/v1
                serial: 1
                name: n
                hosts: []
                groups: []
                migrations: []
                measurements:
                  launch:
                    platform:
                      - name: s
                        eventType: TXT_HASH_START
                        digest: 5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9
                """;
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.parse(text, "p.yaml"));
        assertTrue(e.getMessage().startsWith("p.yaml:11:20: eventType: TXT_HASH_START is the SINIT measurement"), e.getMessage());
    }
}
