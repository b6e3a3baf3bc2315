package org.attestedmigration.migrationcore.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplicationJournalTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsAndRejectsDamage() throws Exception {
        ReplicationJournal j = new ReplicationJournal(dir.resolve("j"));
        assertTrue(j.load().isEmpty());
        BitSet b = new BitSet();
        b.set(0);
        b.set(7);
        b.set(1000);
        JournalState s = new JournalState(ReplicationPhase.DIRTY_ROUNDS, new ChunkLayout(1L << 30, 1 << 20), b);
        j.save(s);
        assertEquals(s, j.load().orElseThrow());
        byte[] bytes = Files.readAllBytes(j.file());
        bytes[10] ^= 1;
        Files.write(j.file(), bytes);
        assertThrows(JournalCorruptException.class, j::load);
        Files.write(j.file(), Arrays.copyOf(bytes, 9));
        assertThrows(JournalCorruptException.class, j::load);
        assertThrows(IllegalArgumentException.class,
                () -> new JournalState(ReplicationPhase.BULK_COPY, new ChunkLayout(1 << 20, 1 << 20), b));
    }
}
