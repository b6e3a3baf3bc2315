package org.attestedmigration.policy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Remembers the highest policy serial an agent accepted, and the digest of that policy, in one
 * small file of the agent's data directory; a policy with a lower serial (a rollback to rules that
 * were replaced, perhaps loosened) or the same serial with other content is refused.
 */
public final class PolicySerialStore {
    private final Path file;

    public PolicySerialStore(Path file) {
        this.file = file;
    }

    /** The serial and SHA-256 of the last accepted policy, if any. */
    public Optional<Accepted> last() throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String[] parts = Files.readString(file, StandardCharsets.US_ASCII).strip().split("\\s+");
        try {
            return Optional.of(new Accepted(Long.parseLong(parts[0]), new HexValue(HexFormat.of().parseHex(parts[1]))));
        } catch (RuntimeException e) {
            throw new IOException(file + " is corrupt (expected 'SERIAL SHA256'); restore it or remove it deliberately", e);
        }
    }

    /** Records a newly accepted policy; written to a temporary file first so a crash leaves the old record. */
    public void record(long serial, HexValue sha256) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, ".policy-serial", ".tmp");
        Files.writeString(tmp, serial + " " + sha256 + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A policy accepted before. */
    public record Accepted(long serial, HexValue sha256) {
    }
}
