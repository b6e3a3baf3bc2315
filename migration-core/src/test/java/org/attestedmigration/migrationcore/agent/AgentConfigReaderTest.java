package org.attestedmigration.migrationcore.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentConfigReaderTest {
    private static final Path BASE = Path.of("/etc/am");
    private static final String MINIMAL = "host: source\ntpm: swtpm://127.0.0.1:2321\neventLog: eventlog.bin\npolicy: policy.yaml\n"
            + "administratorKeys: [admin.pub, /keys/second.pub]\ndataDirectory: /var/lib/am\nlisten: 127.0.0.1:7443\n";

    @Test
    void readsEveryFieldAndResolvesRelativePathsAgainstTheFile() throws Exception {
        AgentConfig c = AgentConfigReader.parse(MINIMAL + "vms:\n  web-1: disks/web-1.raw\n", BASE);
        assertEquals("source", c.hostName());
        assertEquals("swtpm://127.0.0.1:2321", c.tpm().toString());
        assertEquals(Path.of("/etc/am/eventlog.bin"), c.eventLog());
        assertEquals(Path.of("/etc/am/policy.yaml"), c.policy());
        assertEquals(List.of(Path.of("/etc/am/admin.pub"), Path.of("/keys/second.pub")), c.administratorKeys());
        assertEquals(new HostPort("127.0.0.1", 7443), c.listen());
        assertEquals(Path.of("/var/lib/am/admin.sock"), c.adminSocket(), "the admin socket defaults to the data directory");
        assertEquals(Map.of("web-1", Path.of("/etc/am/disks/web-1.raw")), c.vms());
    }

    @Test
    void vmsAndAdminSocketAreOptional() throws Exception {
        AgentConfig c = AgentConfigReader.parse(MINIMAL + "adminSocket: /run/am.sock\n", BASE);
        assertEquals(Map.of(), c.vms());
        assertEquals(Path.of("/run/am.sock"), c.adminSocket());
    }

    @Test
    void migratedCopiesAreKeptUnlessAGracePeriodIsGiven() throws Exception {
        assertEquals(java.util.Optional.empty(), AgentConfigReader.parse(MINIMAL, BASE).keepMigratedCopies());
        assertEquals(java.util.Optional.of(java.time.Duration.ofHours(24)),
                AgentConfigReader.parse(MINIMAL + "keepMigratedCopies: 24h\n", BASE).keepMigratedCopies());
        assertEquals(java.util.Optional.of(java.time.Duration.ZERO),
                AgentConfigReader.parse(MINIMAL + "keepMigratedCopies: 0\n", BASE).keepMigratedCopies());
        assertMessage(MINIMAL + "keepMigratedCopies: 3 weeks\n", "keepMigratedCopies");
        assertMessage(MINIMAL + "keepMigratedCopies: -1h\n", "e.g. 30m, 24h, 7d");
    }

    @Test
    void unknownKeyIsNamed() {
        var e = assertThrows(AgentConfigException.class, () -> AgentConfigReader.parse(MINIMAL + "listn: x\n", BASE));
        assertTrue(e.getMessage().contains("key 'listn': unknown key"), e.getMessage());
    }

    @Test
    void missingKeyIsNamed() {
        var e = assertThrows(AgentConfigException.class,
                () -> AgentConfigReader.parse(MINIMAL.replace("policy: policy.yaml\n", ""), BASE));
        assertTrue(e.getMessage().contains("key 'policy': missing"), e.getMessage());
    }

    @Test
    void aVmMayBeSimulatedWithItsMemory() throws Exception {
        AgentConfig c = AgentConfigReader.parse(MINIMAL + "vms:\n  web-1:\n    disk: disks/web-1.raw\n"
                + "    simulated: { memoryMib: 64, dirtyMiBps: 8, diskWritesPerSecond: 100 }\n  db-1: disks/db-1.raw\n", BASE);
        assertEquals(Map.of("web-1", Path.of("/etc/am/disks/web-1.raw"), "db-1", Path.of("/etc/am/disks/db-1.raw")), c.vms());
        assertEquals(Map.of("web-1", new SimulatedVmSettings(64, 8L << 20, 100)), c.simulated());
        assertFalse(c.simulated().get("web-1").process(), "in the agent unless asked otherwise");
    }

    @Test
    void aSimulatedGuestMayRunAsAProcess() throws Exception {
        AgentConfig c = AgentConfigReader.parse(MINIMAL + "vms:\n  web-1:\n    disk: disks/web-1.raw\n"
                + "    simulated: { memoryMib: 32, process: true }\n", BASE);
        assertEquals(new SimulatedVmSettings(32, 0, 0, true), c.simulated().get("web-1"));
        assertMessage(MINIMAL + "vms:\n  web-1: { disk: a.raw, simulated: { memoryMib: 64, process: yes-please } }\n",
                "key 'vms.web-1.simulated.process': must be true or false");
        assertMessage(MINIMAL + "vms:\n  web-1: { disk: a.raw, simulated: { memoryMib: 64, proces: true } }\n",
                "key 'vms.web-1.simulated.proces': unknown key");
    }

    @Test
    void wrongSimulatedVmsAreNamed() {
        assertMessage(MINIMAL + "vms:\n  web-1: { disk: a.raw, simulated: { memoryMib: 64, dirtyMibps: 8 } }\n",
                "key 'vms.web-1.simulated.dirtyMibps'");
        assertMessage(MINIMAL + "vms:\n  web-1: { disk: a.raw, simulated: { memoryMib: 4096 } }\n", "key 'vms.web-1.simulated'");
        assertMessage(MINIMAL + "vms:\n  web-1: { disk: a.raw, simulated: {} }\n", "key 'vms.web-1.simulated.memoryMib'");
        assertMessage(MINIMAL + "vms:\n  web-1: { simulated: { memoryMib: 64 } }\n", "key 'vms.web-1.disk'");
        assertMessage(MINIMAL + "vms:\n  web-1: { disk: a.raw, disks: b.raw }\n", "key 'vms.web-1.disks'");
    }

    @Test
    void wrongValuesAreNamed() {
        assertMessage(MINIMAL.replace("127.0.0.1:7443", "7443"), "key 'listen'");
        assertMessage(MINIMAL.replace("swtpm://127.0.0.1:2321", "tpm0"), "key 'tpm'");
        assertMessage(MINIMAL.replace("[admin.pub, /keys/second.pub]", "admin.pub"), "key 'administratorKeys'");
        assertMessage(MINIMAL + "vms:\n  ../evil: x.raw\n", "key 'vms.../evil'");
        assertMessage(MINIMAL + "vms: [a]\n", "key 'vms'");
        assertMessage(MINIMAL + "host: again\n", "not valid YAML");
        assertMessage("", "empty");
    }

    private static void assertMessage(String yaml, String expected) {
        var e = assertThrows(AgentConfigException.class, () -> AgentConfigReader.parse(yaml, BASE));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
