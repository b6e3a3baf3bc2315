package org.attestedmigration.migrationcore.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigratedCopiesTest {
    @TempDir
    Path dir;

    @Test
    void gracePeriodsReadAsAdministratorsWriteThem() {
        assertEquals(Duration.ZERO, MigratedCopies.parseGracePeriod("0"));
        assertEquals(Duration.ofSeconds(90), MigratedCopies.parseGracePeriod("90s"));
        assertEquals(Duration.ofMinutes(30), MigratedCopies.parseGracePeriod(" 30m "));
        assertEquals(Duration.ofDays(7), MigratedCopies.parseGracePeriod("7d"));
        for (String bad : List.of("", "h", "1.5h", "-1d", "10", "1w", "1h30m")) {
            assertThrows(IllegalArgumentException.class, () -> MigratedCopies.parseGracePeriod(bad), bad);
        }
    }

    @Test
    void onlyKeptCopiesPastTheirGracePeriodAreDeleted() throws Exception {
        Path old = Files.createFile(dir.resolve("web.raw.migrated-20261124T100000Z"));
        Path oldSecond = Files.createFile(dir.resolve("web.raw.migrated-20261124T100000Z-2"));
        Path recent = Files.createFile(dir.resolve("web.raw.migrated-20261125T095900Z"));
        Path served = Files.createFile(dir.resolve("web.raw"));
        Path lookalike = Files.createFile(dir.resolve("notes.raw.migrated-yesterday"));
        MigratedCopies.sweep(List.of(dir, dir.resolve("missing")), Duration.ofHours(1), Instant.parse("2026-11-25T10:00:00Z"));
        assertFalse(Files.exists(old));
        assertFalse(Files.exists(oldSecond));
        assertTrue(Files.exists(recent), "left a minute ago, within the hour");
        assertTrue(Files.exists(served), "a served disk is never a kept copy");
        assertTrue(Files.exists(lookalike), "not a stamp this agent writes");
    }
}
