package org.attestedmigration.migrationcore.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SimVmOptionsTest {
    @Test
    void theCommandLineOfSimVm() {
        SimVmOptions o = SimVmOptions.parse(List.of("--memory-mib", "256", "--dirty-rate", "50M", "--pattern", "hot:0.2",
                "--disk-write-rate", "100", "--disk-write-size", "64k", "--disk-size", "1G", "--fill", "0.25", "--seed", "9"));
        assertEquals(256, o.memoryMib());
        assertEquals(50L << 20, o.dirtyBytesPerSecond());
        assertEquals(DirtyPattern.HOT_SET, o.pattern());
        assertEquals(0.2, o.hotSetFraction());
        assertEquals(100, o.diskWritesPerSecond());
        assertEquals(64 * 1024, o.diskWriteBytes());
        assertEquals(1L << 30, o.diskSizeBytes());
        assertEquals(0.25, o.initialFill());
        assertEquals(9, o.seed());
        assertEquals(SimVmOptions.defaults(), SimVmOptions.parse(List.of()));
    }

    @Test
    void badOptionsNameTheOption() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SimVmOptions.parse(List.of("--memory-mib", "x")))
                .getMessage().startsWith("--memory-mib x"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SimVmOptions.parse(List.of("--nope", "1")))
                .getMessage().contains("--nope"));
        assertThrows(IllegalArgumentException.class, () -> SimVmOptions.parse(List.of("--dirty-rate")));
        assertThrows(IllegalArgumentException.class, () -> SimVmOptions.parse(List.of("--pattern", "sequential")));
        assertThrows(IllegalArgumentException.class, () -> SimVmOptions.parse(List.of("--memory-mib", "4096")));
        assertThrows(IllegalArgumentException.class, () -> SimVmOptions.parse(List.of("--disk-write-size", "100")));
    }

    @Test
    void theCpuStateCarriesTheProgram() {
        SimVmOptions o = SimVmOptions.defaults().withDirtyRate(1 << 20, DirtyPattern.HOT_SET, 0.3);
        CpuState s = new CpuState(5, 6, 7, 8, o);
        assertEquals(s, CpuState.decode(s.encode()));
        assertThrows(IllegalArgumentException.class, () -> CpuState.decode(new byte[CpuState.BYTES]));
        assertThrows(IllegalArgumentException.class, () -> CpuState.decode(new byte[3]));
    }
}
