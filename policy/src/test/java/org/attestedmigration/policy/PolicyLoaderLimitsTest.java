package org.attestedmigration.policy;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile documents end in a PolicyException, quickly and without exhausting memory. */
class PolicyLoaderLimitsTest {
    @Test
    void fileLargerThanOneMebibyteIsRefusedBeforeParsing(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("huge.yaml");
        Files.write(file, new byte[(1 << 20) + 1]);
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.load(file));
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
    }

    @Test
    void invalidUtf8IsAProblem(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.write(file, new byte[] {'a', ':', ' ', (byte) 0xc3, (byte) 0x28});
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.load(file));
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }

    @Test
    void deepNestingIsRefused() {
        String yaml = "a: " + "[".repeat(5000) + "]".repeat(5000) + "\n";
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.parse(yaml, "deep.yaml"));
        assertTrue(e.getMessage().contains("too deep"), e.getMessage());
        String json = "{\"a\": " + "[".repeat(5000) + "]".repeat(5000) + "}";
        e = assertThrows(PolicyException.class, () -> PolicyLoader.parse(json, "deep.json"));
        assertTrue(e.getMessage().contains("too deep") || e.getMessage().contains("depth"), e.getMessage());
    }

    @Test
    void tooManyEntriesAreRefused() {
        String yaml = "hosts: [" + "1,".repeat(60_000) + "1]\n";
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.parse(yaml, "many.yaml"));
        assertTrue(e.getMessage().contains("too many entries"), e.getMessage());
    }

    @Test
    void aliasBombIsRefusedWithoutExpansion() {
        StringBuilder b = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 10; i++) {
            String prev = "*a" + (i - 1);
            b.append("a").append(i).append(": &a").append(i).append(" [").append((prev + ", ").repeat(9)).append(prev).append("]\n");
        }
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.parse(b.toString(), "bomb.yaml"));
        assertTrue(e.getMessage().contains("YAML anchors (&a0) are not supported"), e.getMessage());
    }
}
