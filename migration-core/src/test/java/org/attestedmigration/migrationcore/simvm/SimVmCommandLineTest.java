package org.attestedmigration.migrationcore.simvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.attestedmigration.migrationcore.memory.DirtyPattern;
import org.attestedmigration.migrationcore.memory.SimVmOptions;
import org.junit.jupiter.api.Test;

/** The command line the agent writes is the one the process reads. */
class SimVmCommandLineTest {
    @Test
    void whatTheAgentWritesTheProcessReadsBack() {
        SimVmOptions o = SimVmOptions.defaults().withMemoryMib(48).withDirtyRate(3L << 20, DirtyPattern.HOT_SET, 0.25)
                .withDiskWrites(120, 8192, 32L << 20).withInitialFill(0.75, 99);
        SimVmCommandLine booted = new SimVmCommandLine("web-1", Path.of("/d/web-1.sim-vm.sock"), Path.of("/d/web-1.sock"), "vda", false,
                OptionalLong.of(4242), o);
        assertEquals(booted, SimVmCommandLine.parse(booted.toArgs()));
        SimVmCommandLine incoming = new SimVmCommandLine("web-1", Path.of("/d/c.sock"), null, "vda", true, OptionalLong.empty(),
                SimVmOptions.defaults().withMemoryMib(8));
        assertEquals(incoming, SimVmCommandLine.parse(incoming.toArgs()));
    }

    @Test
    void mistakesAreNamed() {
        assertMessage(List.of("--control", "/c"), "--name");
        assertMessage(List.of("--name", "a", "--incoming"), "--control");
        assertMessage(List.of("--name", "a", "--control", "/c"), "either --disk-nbd");
        assertMessage(List.of("--name", "a", "--control", "/c", "--incoming", "--disk-nbd", "/n"), "either --disk-nbd");
        assertMessage(List.of("--name", "a", "--control", "/c", "--incoming", "--parent-pid", "me"), "--parent-pid me");
        assertMessage(List.of("--name", "a", "--control", "/c", "--incoming", "--memory-mib", "2000"), "--memory-mib 2000");
        assertMessage(List.of("--name", "a", "--control", "/c", "--incoming", "--colour", "red"), "unknown sim-vm option --colour");
        assertMessage(List.of("--name", "a", "--control"), "--control needs a value");
    }

    private static void assertMessage(List<String> args, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SimVmCommandLine.parse(args));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
