package org.attestedmigration.policy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.attestedmigration.policy.document.PolicyFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mutated valid documents and random bytes: only a Policy or a PolicyException may come out. */
class PolicyLoaderFuzzTest {
    private static final byte[] INTERESTING = ":-[]{}&*!|>'\"#,?%@` \n\t\\0123456789abcdefxyz".getBytes(StandardCharsets.US_ASCII);

    @Test
    void mutatedValidFilesNeverThrowUncheckedExceptions(@TempDir Path dir) throws Exception {
        Random random = new Random(20240607L);
        for (Path valid : PolicyFiles.in("valid")) {
            byte[] original = Files.readAllBytes(valid);
            for (int round = 0; round < 400; round++) {
                byte[] mutated = mutate(original, random);
                Path file = dir.resolve(round % 2 == 0 ? "fuzz.yaml" : valid.getFileName().toString());
                Files.write(file, mutated);
                loadExpectingOnlyPolicyExceptions(file, mutated);
            }
        }
    }

    @Test
    void randomBytesNeverThrowUncheckedExceptions(@TempDir Path dir) throws Exception {
        Random random = new Random(7L);
        for (int round = 0; round < 300; round++) {
            byte[] bytes = new byte[random.nextInt(400)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = random.nextBoolean() ? (byte) random.nextInt(256) : INTERESTING[random.nextInt(INTERESTING.length)];
            }
            Path file = dir.resolve(round % 3 == 0 ? "r.json" : "r.yaml");
            Files.write(file, bytes);
            loadExpectingOnlyPolicyExceptions(file, bytes);
        }
    }

    private static void loadExpectingOnlyPolicyExceptions(Path file, byte[] content) throws Exception {
        try {
            PolicyLoader.load(file);
        } catch (PolicyException e) {
            assertFalse(e.problems().isEmpty());
        } catch (RuntimeException | StackOverflowError e) {
            fail("unchecked " + e + " for input:\n" + new String(content, StandardCharsets.UTF_8), e);
        }
    }

    private static byte[] mutate(byte[] original, Random random) {
        byte[] b = original.clone();
        int edits = 1 + random.nextInt(4);
        for (int i = 0; i < edits; i++) {
            int at = random.nextInt(b.length);
            switch (random.nextInt(4)) {
                case 0 -> b[at] = INTERESTING[random.nextInt(INTERESTING.length)];
                case 1 -> b[at] = (byte) random.nextInt(256);
                case 2 -> {
                    byte[] shorter = new byte[b.length - 1];
                    System.arraycopy(b, 0, shorter, 0, at);
                    System.arraycopy(b, at + 1, shorter, at, b.length - at - 1);
                    b = shorter.length == 0 ? b : shorter;
                }
                default -> {
                    int len = Math.min(b.length - at, 1 + random.nextInt(40));
                    int to = random.nextInt(b.length - len + 1);
                    System.arraycopy(b, at, b, to, len);
                }
            }
        }
        return b;
    }
}
