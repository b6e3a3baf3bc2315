package org.attestedmigration.migrationcore.hypervisor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ValuesTest {
    private final SecureRandom random = new SecureRandom();

    @Test
    void aTokenOpensOnlyItsOwnCommitment() {
        HandoverToken t = HandoverToken.generate("vm", 2, random);
        byte[] c = t.commitment();
        assertTrue(t.opens(c));
        assertFalse(HandoverToken.generate("vm", 2, random).opens(c), "another secret");
        byte[] flipped = c.clone();
        flipped[5] ^= 1;
        assertFalse(t.opens(flipped));
        HandoverToken decoded = HandoverToken.decode(t.encode());
        assertEquals(t, decoded);
        assertTrue(decoded.opens(c));
        assertFalse(t.toString().contains(HexFormat.of().formatHex(Arrays.copyOfRange(t.encode(), 11, 43))), "the secret is not printed");
    }

    @Test
    void theCommitmentBindsTheVmAndEpoch() {
        HandoverToken t = HandoverToken.generate("vm", 2, random);
        byte[] raw = t.encode();
        byte[] secret = Arrays.copyOfRange(raw, raw.length - 32, raw.length);
        assertFalse(new HandoverToken("vm", 3, secret).opens(t.commitment()));
        assertFalse(new HandoverToken("vn", 2, secret).opens(t.commitment()));
        assertTrue(new HandoverToken("vm", 2, secret).opens(t.commitment()));
    }

    @Test
    void malformedTokensAndReceiptsAreRefused() {
        byte[] enc = HandoverToken.generate("vm", 2, random).encode();
        assertThrows(IllegalArgumentException.class, () -> HandoverToken.decode(Arrays.copyOf(enc, enc.length - 1)));
        assertThrows(IllegalArgumentException.class, () -> HandoverToken.decode(Arrays.copyOf(enc, enc.length + 1)));
        assertThrows(IllegalArgumentException.class, () -> new HandoverToken("vm", 0, new byte[32]));
        assertThrows(IllegalArgumentException.class, () -> MemoryReceipt.decode(new byte[5]));
    }

    @Test
    void aReceiptRoundTripsAndConfirmsOnlyItsOwnDigest() {
        byte[] d = new byte[32];
        random.nextBytes(d);
        MemoryReceipt r = new MemoryReceipt("vm", 4, d, Instant.parse("2026-11-25T10:00:00.123456789Z"));
        MemoryReceipt back = MemoryReceipt.decode(r.encode());
        assertTrue(back.confirms("vm", 4, d));
        assertEquals(r.sourcePausedAt(), back.sourcePausedAt());
        assertArrayEquals(d, back.digest());
        byte[] other = d.clone();
        other[0] ^= 1;
        assertFalse(back.confirms("vm", 4, other));
        assertFalse(back.confirms("vm", 5, d));
    }

    @Test
    void specsAndSettingsAreValidated() {
        assertEquals(16384, VmSpec.ofMib("vm", 64, "vda").pageCount());
        assertThrows(IllegalArgumentException.class, () -> new VmSpec("vm", 4095, "vda"));
        assertThrows(IllegalArgumentException.class, () -> new VmSpec("", 4096, "vda"));
        assertThrows(IllegalArgumentException.class, () -> new VmSpec("a\nb", 4096, "vda"));
        assertThrows(IllegalArgumentException.class, () -> VmSpec.ofMib("vm", 2048, "vda"));
        assertThrows(IllegalArgumentException.class, () -> MemoryMigrationSettings.defaults().withPrecopyDeadline(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> MemoryMigrationSettings.defaults().withRounds(0, 1));
        assertNotEquals(MemoryMigrationSettings.defaults(), MemoryMigrationSettings.defaults().withConvergedBytes(0));
    }
}
