package org.attestedmigration.tpmsimulatortests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.attestedmigration.attestation.txt.SampleLaunch;
import org.attestedmigration.cli.demo.Demo;
import org.attestedmigration.migrationcore.agent.Agent;
import org.attestedmigration.migrationcore.agent.AgentConfigReader;
import org.attestedmigration.migrationcore.agent.HostPort;
import org.attestedmigration.migrationcore.agent.MigrationOutcome;
import org.attestedmigration.migrationcore.agent.MigrationRequest;
import org.attestedmigration.migrationcore.replication.MirrorMode;
import org.attestedmigration.migrationcore.agent.ServedVm;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.DigestTree;
import org.attestedmigration.migrationcore.disk.DiskImage;
import org.attestedmigration.policy.AdministratorKeys;
import org.attestedmigration.policy.Policy;
import org.attestedmigration.policy.PolicySignature;
import org.attestedmigration.policy.PolicyWriter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two agents on loopback, each with its own swtpm, data directory and configuration file, under
 * one signed policy: a VM's disk, written to through its NBD export all along, migrates through
 * {@code attested-migrate migrate}; a destination that booted an unapproved Xen is refused before
 * anything is sent; a wrong configuration is explained.
 */
class AgentMigrationTest {
    private static final int MIB = 1024 * 1024;
    private static final String VM = "vm1";
    private final ObjectMapper json = new ObjectMapper();
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"sync", "async"})
    void vmWrittenDuringMigrationMovesToTheDestination(String mode) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-io")), "qemu-io not installed");
        try (EmulatedHost source = trustedHost("source"); EmulatedHost destination = trustedHost("destination")) {
            Path disk = vmDisk(48L * MIB);
            signedPolicy(Demo.enrollPair(source, destination));
            try (Agent src = Agent.start(AgentConfigReader.read(config(source, "src-data", disk)), Set.of());
                    Agent dst = Agent.start(AgentConfigReader.read(config(destination, "dst-data", null)), Set.of())) {
                Path srcSocket = dir.resolve("src-data/vms/" + VM + ".sock");
                assertTrue(Files.exists(srcSocket), "the source serves the VM's disk over NBD");
                assertEquals(List.of(VM), vmNames(status(src)), "the source serves the VM");
                assertEquals(List.of(), vmNames(status(dst)), "the destination serves nothing yet");

                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger writes = new AtomicInteger();
                Thread writer = qemuWriter(srcSocket, stop, writes);
                AtomicBoolean sawOutgoing = new AtomicBoolean();
                Thread watcher = statusWatcher(src, stop, sawOutgoing);
                try {
                    waitFor(() -> writes.get() > 0, "the VM's first write through NBD");
                    Cli.Run run = Cli.run("migrate", "--agent-socket", src.adminSocket().toString(), "--vm", VM, "--to",
                            "127.0.0.1:" + dst.listenAddress().getPort(), "--max-bandwidth", "24M", "--mode", mode, "--json");
                    run.assertExit(0).assertNoStackTrace();
                    JsonNode outcome = lastLine(run.out());
                    assertEquals("MIGRATED", outcome.path("result").asText(), run.describe());
                    assertEquals(outcome.path("sourceDigest").asText(), outcome.path("destinationDigest").asText(), run.describe());
                    assertTrue(run.out().contains("\"phase\":\"mirroring\""), "progress lines name the phases: " + run.describe());
                    assertTrue(writes.get() > 1, "the VM kept writing during the migration");

                    // Fencing: the source let go of the VM, the destination serves it, from a disk equal to the source's at switchover.
                    assertFalse(Files.exists(srcSocket), "the source no longer serves the disk");
                    assertFalse(Files.exists(disk), "the source's disk was renamed");
                    Path kept;
                    try (Stream<Path> files = Files.list(disk.getParent())) {
                        kept = files.filter(p -> p.getFileName().toString().startsWith(VM + ".raw.migrated-")).findFirst().orElseThrow();
                    }
                    Path arrived = dir.resolve("dst-data/vms/" + VM + ".raw");
                    assertTrue(Files.exists(dir.resolve("dst-data/vms/" + VM + ".sock")), "the destination serves the disk");
                    assertEquals(outcome.path("sourceDigest").asText(), digest(arrived));
                    assertEquals(-1, Files.mismatch(kept, arrived), "the destination's disk equals the source's at switchover");
                    try (Stream<Path> incoming = Files.list(dir.resolve("dst-data/incoming"))) {
                        assertEquals(0, incoming.count(), "nothing left in the destination's incoming directory");
                    }
                    assertTrue(sawOutgoing.get(), "status showed the migration in flight");

                    assertEquals(List.of(), vmNames(status(src)), "status: the source serves no VM");
                    JsonNode dstStatus = status(dst);
                    assertEquals(List.of(VM), vmNames(dstStatus), "status: the destination serves the VM");
                    assertEquals("running", dstStatus.path("vms").get(0).path("state").asText());
                    assertEquals(0, dstStatus.path("migrations").size(), "no migration in flight any more");
                } finally {
                    stop.set(true);
                    writer.join(30_000);
                    watcher.join(10_000);
                }
                Cli.Run text = Cli.run("status", "--agent-socket", dst.adminSocket().toString()).assertExit(0);
                assertTrue(text.out().contains(VM) && text.out().contains("running"), text.describe());
            }
        }
    }

    @Test
    void simulatedVmMigratesWithItsMemoryAndRunsAtTheDestination() throws Exception {
        try (EmulatedHost source = trustedHost("source"); EmulatedHost destination = trustedHost("destination")) {
            Path disk = vmDisk(32L * MIB);
            signedPolicy(Demo.enrollPair(source, destination));
            String vms = simulatedVm(disk, 100);
            try (Agent src = Agent.start(AgentConfigReader.read(configWithVms(source, "src-data", vms)), Set.of());
                    Agent dst = Agent.start(AgentConfigReader.read(configWithVms(destination, "dst-data", "")), Set.of())) {
                assertEquals("running", status(src).path("vms").get(0).path("guest").asText(), "the source runs the guest");

                Cli.Run run = Cli.run("migrate", "--agent-socket", src.adminSocket().toString(), "--vm", VM, "--to",
                        "127.0.0.1:" + dst.listenAddress().getPort(), "--json");
                run.assertExit(0).assertNoStackTrace();
                JsonNode outcome = lastLine(run.out());
                assertEquals("MIGRATED", outcome.path("result").asText(), run.describe());
                assertTrue(outcome.path("downtimeMillis").asLong() > 0, "the VM's downtime is reported: " + run.describe());
                assertTrue(outcome.path("memoryBytesSent").asLong() >= 16L * MIB, "the memory was sent: " + run.describe());
                assertTrue(run.out().contains("\"phase\":\"handover\""), run.describe());

                assertEquals(List.of(), vmNames(status(src)), "status: the VM no longer runs at the source");
                JsonNode vm = status(dst).path("vms").get(0);
                assertEquals(VM, vm.path("name").asText());
                assertEquals("running", vm.path("guest").asText(), "status: the guest runs at the destination");
                // The resumed guest writes the disk the destination serves: it moves on from the switchover's digest.
                Path arrived = dir.resolve("dst-data/vms/" + VM + ".raw");
                String atSwitchover = outcome.path("sourceDigest").asText();
                waitFor(() -> {
                    try {
                        return !digest(arrived).equals(atSwitchover);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, "the guest's first write at the destination");
                Cli.Run text = Cli.run("status", "--agent-socket", dst.adminSocket().toString()).assertExit(0);
                assertTrue(text.out().contains(VM) && text.out().contains("guest running"), text.describe());
            }
        }
    }

    @Test
    void destinationLostDuringBulkCopyRollsBackAndALaterMigrationResumesWhereItStopped() throws Exception {
        try (EmulatedHost source = trustedHost("source"); EmulatedHost destination = trustedHost("destination")) {
            Path disk = vmDisk(32L * MIB);
            String before = digest(disk);
            signedPolicy(Demo.enrollPair(source, destination));
            Path dstConfig = config(destination, "dst-data", null);
            try (Agent src = Agent.start(AgentConfigReader.read(config(source, "src-data", disk)), Set.of())) {
                Agent dst = Agent.start(AgentConfigReader.read(dstConfig), Set.of());
                Cli.Run[] aborted = new Cli.Run[1];
                Thread migrate;
                try {
                    String to = "127.0.0.1:" + dst.listenAddress().getPort();
                    migrate = new Thread(() -> aborted[0] = Cli.run("migrate", "--agent-socket", src.adminSocket().toString(), "--vm", VM,
                            "--to", to, "--max-bandwidth", "3M", "--retries", "1", "--json"), "migrate-cli");
                    migrate.start();
                    // The bulk copy runs for ~10 s at 3 MB/s: the destination goes away once it holds a quarter.
                    waitFor(() -> bulkCopyPast(src, 8L * MIB), "the bulk copy a quarter done");
                } finally {
                    dst.close();
                }
                migrate.join(120_000);
                assertFalse(migrate.isAlive(), "migrate ended after the destination went away");
                Cli.Run run = aborted[0];
                run.assertExit(3).assertNoStackTrace();
                JsonNode outcome = lastLine(run.out());
                assertEquals("ABORTED", outcome.path("result").asText(), run.describe());
                assertFalse(outcome.path("message").asText().isBlank(), "the outcome says why: " + run.describe());
                assertTrue(run.out().contains("\"phase\":\"bulk_copy\""), "it was aborted during the bulk copy: " + run.describe());
                assertTrue(run.out().contains("\"phase\":\"reconnecting\""), "it tried once more: " + run.describe());

                assertSourceStillServes(src, disk, before);
                // A destination agent started again on the same data directory does not serve the VM: its disk is only parked.
                try (Agent restarted = Agent.start(AgentConfigReader.read(dstConfig), Set.of())) {
                    assertEquals(List.of(), vmNames(status(restarted)), "the restarted destination does not serve the VM");
                    assertFalse(Files.exists(dir.resolve("dst-data/vms/" + VM + ".raw")), "no disk arrived at the destination");
                    assertTrue(Files.exists(dir.resolve("dst-data/incoming/" + VM + ".journal")), "the incoming disk is parked with its journal");
                    // Nothing lost, nothing sent twice: the next migration resumes into what the destination held.
                    Cli.Run again = Cli.run("migrate", "--agent-socket", src.adminSocket().toString(), "--vm", VM, "--to",
                            "127.0.0.1:" + restarted.listenAddress().getPort(), "--json");
                    again.assertExit(0).assertNoStackTrace();
                    JsonNode done = lastLine(again.out());
                    assertEquals(before, done.path("destinationDigest").asText(), again.describe());
                    assertTrue(again.out().contains("\"phase\":\"resuming\""), "the destination said it resumes: " + again.describe());
                    assertTrue(done.path("bytesSent").asLong() <= 24L * MIB,
                            "the quarter the destination held was not sent again: " + again.describe());
                    try (Stream<Path> incoming = Files.list(dir.resolve("dst-data/incoming"))) {
                        assertEquals(0, incoming.count(), "nothing left in the destination's incoming directory");
                    }
                    assertEquals(List.of(VM), vmNames(status(restarted)));
                    assertEquals(List.of(), vmNames(status(src)));
                    assertEquals(before, digest(dir.resolve("dst-data/vms/" + VM + ".raw")));
                }
            }
        }
    }

    @Test
    void connectionCutDuringBulkCopyIsReattestedAndResumedWithoutResendingHeldChunks() throws Exception {
        try (EmulatedHost source = trustedHost("source"); EmulatedHost destination = trustedHost("destination")) {
            Path disk = vmDisk(32L * MIB);
            String before = digest(disk);
            signedPolicy(Demo.enrollPair(source, destination));
            // This source keeps no copy of a disk that left: the administrator said so.
            Path srcConfig = config(source, "src-data", disk);
            Files.writeString(srcConfig, "keepMigratedCopies: 0\n", java.nio.file.StandardOpenOption.APPEND);
            try (Agent src = Agent.start(AgentConfigReader.read(srcConfig), Set.of());
                    Agent dst = Agent.start(AgentConfigReader.read(config(destination, "dst-data", null)), Set.of());
                    CuttableProxy link = relayTo(dst)) {
                Cli.Run[] result = new Cli.Run[1];
                Thread migrate = new Thread(() -> result[0] = Cli.run("migrate", "--agent-socket", src.adminSocket().toString(), "--vm", VM,
                        "--to", "127.0.0.1:" + link.port(), "--max-bandwidth", "4M", "--json"), "migrate-cli");
                migrate.start();
                // At 4 MB/s the bulk copy takes ~8 s: the network fails once half of it arrived, both hosts stay up.
                waitFor(() -> bulkCopyPast(src, 16L * MIB), "the bulk copy half done");
                link.cut();
                migrate.join(120_000);
                assertFalse(migrate.isAlive(), "migrate ended");
                Cli.Run run = result[0];
                run.assertExit(0).assertNoStackTrace();
                JsonNode outcome = lastLine(run.out());
                assertEquals("MIGRATED", outcome.path("result").asText(), run.describe());
                assertTrue(outcome.path("message").asText().contains("in 2 attempts"), run.describe());
                assertTrue(run.out().contains("\"phase\":\"reconnecting\""), run.describe());
                assertEquals(2, link.connections(), "the second attempt made a new, newly attested connection");
                assertEquals(before, outcome.path("sourceDigest").asText(), run.describe());
                assertEquals(before, outcome.path("destinationDigest").asText(), run.describe());
                // Both attempts together: the half that arrived before the cut went once (a chunk or two in flight may go twice).
                assertTrue(outcome.path("bytesSent").asLong() <= 34L * MIB, "held chunks were not sent again: " + run.describe());
                assertEquals(List.of(VM), vmNames(status(dst)), "the destination serves the VM");
                assertEquals(List.of(), vmNames(status(src)), "the source let it go");
                assertEquals(before, digest(dir.resolve("dst-data/vms/" + VM + ".raw")));
                waitFor(() -> {
                    try (Stream<Path> kept = Files.list(disk.getParent())) {
                        return kept.noneMatch(p -> p.getFileName().toString().contains(".migrated-"));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, "the source deleting its copy (keepMigratedCopies: 0)");
            }
        }
    }

    @Test
    void connectionCutDuringMemoryPrecopyIsRetriedAndTheGuestMigratesInTheSecondAttempt() throws Exception {
        try (EmulatedHost source = trustedHost("source"); EmulatedHost destination = trustedHost("destination")) {
            Path disk = vmDisk(32L * MIB);
            signedPolicy(Demo.enrollPair(source, destination));
            String vms = simulatedVm(disk, 10);
            try (Agent src = Agent.start(AgentConfigReader.read(configWithVms(source, "src-data", vms)), Set.of());
                    Agent dst = Agent.start(AgentConfigReader.read(configWithVms(destination, "dst-data", "")), Set.of());
                    CuttableProxy link = relayTo(dst)) {
                AtomicBoolean cut = new AtomicBoolean();
                List<String> phases = new java.util.concurrent.CopyOnWriteArrayList<>();
                java.util.concurrent.atomic.AtomicLong heldAtResume = new java.util.concurrent.atomic.AtomicLong(-1);
                MigrationOutcome outcome = src.migrate(new MigrationRequest(VM, HostPort.parse("127.0.0.1:" + link.port()), MirrorMode.SYNC, 0),
                        p -> {
                            if (phases.contains("resuming") && heldAtResume.get() < 0 && !"resuming".equals(p.phase())) {
                                heldAtResume.set(p.bytesDone());
                            }
                            phases.add(p.phase());
                            // Once: the network fails while the guest's memory is being pre-copied.
                            if ("memory".equals(p.phase()) && cut.compareAndSet(false, true)) {
                                link.cut();
                            }
                        });
                assertEquals(MigrationOutcome.Result.MIGRATED, outcome.result(), outcome + " after " + phases);
                assertTrue(outcome.message().contains("in 2 attempts"), outcome.message());
                assertTrue(phases.contains("reconnecting") && phases.contains("resuming"), "re-attested and resumed: " + phases);
                assertEquals(2, link.connections());
                // The second attempt starts from what the destination kept: the guest (10 writes/s, each dirtying a 128 KiB
                // chunk) changed a few chunks during the back-off, not the disk.
                assertTrue(heldAtResume.get() >= 24L * MIB, "held when the second attempt began: " + heldAtResume.get());
                assertEquals(outcome.sourceDigest(), outcome.destinationDigest());
                assertEquals("running", status(dst).path("vms").get(0).path("guest").asText(), "the guest runs at the destination");
                assertEquals(List.of(), vmNames(status(src)), "and nowhere else");
            }
        }
    }

    @Test
    void linkLostAfterSwitchoverIsInDoubtAndResolveResumesTheGuestAtTheSource() throws Exception {
        try (EmulatedHost source = trustedHost("source"); EmulatedHost destination = trustedHost("destination")) {
            Path disk = vmDisk(32L * MIB);
            signedPolicy(Demo.enrollPair(source, destination));
            String vms = simulatedVm(disk, 100);
            try (Agent src = Agent.start(AgentConfigReader.read(configWithVms(source, "src-data", vms)), Set.of());
                    Agent dst = Agent.start(AgentConfigReader.read(configWithVms(destination, "dst-data", "")), Set.of());
                    CuttableProxy link = relayTo(dst)) {
                String to = "127.0.0.1:" + link.port();
                // The network fails right after the switchover, before the destination hears "complete".
                MigrationOutcome outcome = migrateCuttingAt(src, link, "completing");
                assertEquals(MigrationOutcome.Result.IN_DOUBT, outcome.result(), outcome.toString());
                JsonNode held = status(src).path("vms").get(0);
                assertEquals("in-doubt", held.path("state").asText(), "the source holds the VM until it knows");
                assertEquals("paused", held.path("guest").asText(), "the guest is paused: it runs nowhere while in doubt");
                waitFor(() -> Files.exists(dir.resolve("dst-data/incoming/" + VM + ".journal")), "the destination parked the disk");
                assertEquals(List.of(), vmNames(status(dst)), "the destination serves nothing");

                Cli.Run resolve = Cli.run("resolve", "--agent-socket", src.adminSocket().toString(), "--vm", VM, "--json");
                resolve.assertExit(3).assertNoStackTrace();
                assertTrue(lastLine(resolve.out()).path("message").asText().contains("resumed on this host"), resolve.describe());
                JsonNode back = status(src).path("vms").get(0);
                assertEquals("running", back.path("state").asText(), resolve.describe());
                assertEquals("running", back.path("guest").asText(), "the guest runs at the source again");
                Cli.run("resolve", "--agent-socket", src.adminSocket().toString(), "--vm", VM).assertExit(2).assertNoStackTrace();

                // The disk the destination parked is resumed into: only what the guest wrote since goes again.
                Cli.Run again = Cli.run("migrate", "--agent-socket", src.adminSocket().toString(), "--vm", VM, "--to", to, "--json");
                again.assertExit(0).assertNoStackTrace();
                assertTrue(again.out().contains("\"phase\":\"resuming\""), again.describe());
                assertTrue(lastLine(again.out()).path("bytesSent").asLong() < 16L * MIB, again.describe());
                assertEquals("running", status(dst).path("vms").get(0).path("guest").asText(), "the guest runs at the destination");
                assertEquals(List.of(), vmNames(status(src)));
            }
        }
    }

    @Test
    void sourceRestartedWhileInDoubtServesTheVmOnlyAfterResolve() throws Exception {
        try (EmulatedHost source = trustedHost("source"); EmulatedHost destination = trustedHost("destination")) {
            Path disk = vmDisk(32L * MIB);
            signedPolicy(Demo.enrollPair(source, destination));
            String vms = simulatedVm(disk, 100);
            Path srcConfig = configWithVms(source, "src-data", vms);
            try (Agent dst = Agent.start(AgentConfigReader.read(configWithVms(destination, "dst-data", "")), Set.of());
                    CuttableProxy link = relayTo(dst)) {
                try (Agent src = Agent.start(AgentConfigReader.read(srcConfig), Set.of())) {
                    MigrationOutcome outcome = migrateCuttingAt(src, link, "completing");
                    assertEquals(MigrationOutcome.Result.IN_DOUBT, outcome.result(), outcome.toString());
                }
                // The source agent restarts: the disk was not renamed, yet it must not be served while in doubt.
                try (Agent src = Agent.start(AgentConfigReader.read(srcConfig), Set.of())) {
                    JsonNode vm = status(src).path("vms").get(0);
                    assertEquals(VM, vm.path("name").asText());
                    assertEquals("in-doubt", vm.path("state").asText());
                    assertTrue(vm.path("socket").isNull(), "not served: " + vm);
                    assertFalse(Files.exists(dir.resolve("src-data/vms/" + VM + ".sock")), "no NBD export while in doubt");
                    Cli.Run text = Cli.run("status", "--agent-socket", src.adminSocket().toString()).assertExit(0);
                    assertTrue(text.out().contains("run resolve"), text.describe());

                    Cli.Run resolve = Cli.run("resolve", "--agent-socket", src.adminSocket().toString(), "--vm", VM);
                    resolve.assertExit(3).assertNoStackTrace();
                    assertTrue(resolve.out().contains("served here again"), resolve.describe());
                    JsonNode back = status(src).path("vms").get(0);
                    assertEquals("running", back.path("state").asText(), resolve.describe());
                    assertEquals("running", back.path("guest").asText(), "the guest booted again from its disk");
                    assertFalse(Files.exists(dir.resolve("src-data/outgoing/" + VM + ".indoubt")), "the record is gone");
                    assertEquals(List.of(), vmNames(status(dst)), "and the destination does not run it");
                }
            }
        }
    }

    @Test
    void linkLostDuringTheGuestHandoverNeverLeavesTwoRunningCopies() throws Exception {
        try (EmulatedHost source = trustedHost("source"); EmulatedHost destination = trustedHost("destination")) {
            Path disk = vmDisk(32L * MIB);
            signedPolicy(Demo.enrollPair(source, destination));
            String vms = simulatedVm(disk, 100);
            try (Agent src = Agent.start(AgentConfigReader.read(configWithVms(source, "src-data", vms)), Set.of());
                    Agent dst = Agent.start(AgentConfigReader.read(configWithVms(destination, "dst-data", "")), Set.of());
                    CuttableProxy link = relayTo(dst)) {
                // The destination verified and serves the disk, the guest waits there; the token never arrives.
                MigrationOutcome outcome = migrateCuttingAt(src, link, "handover");
                assertEquals(MigrationOutcome.Result.IN_DOUBT, outcome.result(), outcome.toString());
                // The destination never ran the guest, so it stops serving the disk and parks it.
                waitFor(() -> {
                    try {
                        return vmNames(status(dst)).isEmpty();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, "the destination stops serving a disk whose guest never ran there");
                assertTrue(Files.exists(dir.resolve("dst-data/incoming/" + VM + ".raw")), "its disk is parked, not lost");

                Cli.Run resolve = Cli.run("resolve", "--agent-socket", src.adminSocket().toString(), "--vm", VM);
                resolve.assertExit(4).assertNoStackTrace();
                assertTrue(resolve.out().contains("handed over") && resolve.out().contains("intact"), resolve.describe());
                JsonNode held = status(src).path("vms").get(0);
                assertFalse("running".equals(held.path("guest").asText()), "the fence: a handed-over guest never runs here again");
                assertTrue(status(dst).path("vms").isEmpty(), "and it does not run there either");
                assertTrue(Files.exists(disk), "the source's disk is intact for a cold boot");
            }
        }
    }

    @Test
    void destinationLostDuringMemoryPrecopyLeavesTheGuestRunningAtTheSource() throws Exception {
        try (EmulatedHost source = trustedHost("source"); EmulatedHost destination = trustedHost("destination")) {
            Path disk = vmDisk(32L * MIB);
            signedPolicy(Demo.enrollPair(source, destination));
            String vms = simulatedVm(disk, 100);
            Path dstConfig = configWithVms(destination, "dst-data", "");
            try (Agent src = Agent.start(AgentConfigReader.read(configWithVms(source, "src-data", vms)), Set.of())) {
                Agent dst = Agent.start(AgentConfigReader.read(dstConfig), Set.of());
                AtomicBoolean closed = new AtomicBoolean();
                Runnable loseDestination = () -> {
                    if (closed.compareAndSet(false, true)) {
                        dst.close();
                    }
                };
                List<String> phases = new java.util.concurrent.CopyOnWriteArrayList<>();
                org.attestedmigration.migrationcore.agent.MigrationOutcome outcome;
                try {
                    // The destination goes away as the memory phase begins: the disk mirrors, the guest's pre-copy starts.
                    outcome = src.migrate(new org.attestedmigration.migrationcore.agent.MigrationRequest(VM,
                            org.attestedmigration.migrationcore.agent.HostPort.parse("127.0.0.1:" + dst.listenAddress().getPort()),
                            org.attestedmigration.migrationcore.replication.MirrorMode.SYNC, 0, 0), p -> {
                                if (phases.isEmpty() || !phases.get(phases.size() - 1).equals(p.phase())) {
                                    phases.add(p.phase());
                                }
                                if ("memory".equals(p.phase())) {
                                    loseDestination.run();
                                }
                            });
                } finally {
                    loseDestination.run();
                }
                assertTrue(phases.contains("memory"), "the migration reached the memory phase: " + phases);
                assertFalse(phases.contains("completing"), "it never got to completing: " + phases);
                assertEquals(org.attestedmigration.migrationcore.agent.MigrationOutcome.Result.ABORTED, outcome.result(), outcome.toString());
                assertFalse(outcome.message().isBlank(), outcome.toString());

                JsonNode vm = status(src).path("vms").get(0);
                assertEquals(VM, vm.path("name").asText());
                assertEquals("running", vm.path("state").asText(), "the source serves the VM");
                assertEquals("running", vm.path("guest").asText(), "the guest runs at the source again");
                assertTrue(Files.exists(disk), "the source's disk was not renamed");
                assertTrue(Files.exists(dir.resolve("src-data/vms/" + VM + ".sock")));
                assertEquals(0, status(src).path("migrations").size());
                // The guest's disk writes go on at the source after the rollback.
                String rolledBack = digest(disk);
                waitFor(() -> {
                    try {
                        return !digest(disk).equals(rolledBack);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, "the guest's next disk write at the source");

                try (Agent restarted = Agent.start(AgentConfigReader.read(dstConfig), Set.of())) {
                    assertEquals(List.of(), vmNames(status(restarted)), "the restarted destination runs nothing");
                    assertFalse(Files.exists(dir.resolve("dst-data/vms/" + VM + ".raw")), "no disk arrived at the destination");
                    Cli.Run again = Cli.run("migrate", "--agent-socket", src.adminSocket().toString(), "--vm", VM, "--to",
                            "127.0.0.1:" + restarted.listenAddress().getPort(), "--json");
                    again.assertExit(0).assertNoStackTrace();
                    assertEquals(List.of(), vmNames(status(src)), "the VM left the source");
                    JsonNode there = status(restarted).path("vms").get(0);
                    assertEquals(VM, there.path("name").asText());
                    assertEquals("running", there.path("guest").asText(), "the guest runs at the healthy destination");
                }
            }
        }
    }

    /** The {@code vms} section for one simulated VM of 32 MiB dirtying 4 MiB/s on {@code disk}. */
    private String simulatedVm(Path disk, int diskWritesPerSecond) {
        return "vms:\n  " + VM + ":\n    disk: " + dir.relativize(disk) + "\n"
                + "    simulated: { memoryMib: 32, dirtyMiBps: 4, diskWritesPerSecond: " + diskWritesPerSecond + " }\n";
    }

    /** Migrates the VM through {@code link}, which is cut as the migration enters {@code phase}. */
    private static MigrationOutcome migrateCuttingAt(Agent src, CuttableProxy link, String phase) {
        return src.migrate(new MigrationRequest(VM, HostPort.parse("127.0.0.1:" + link.port()), MirrorMode.SYNC, 0), p -> {
            if (phase.equals(p.phase())) {
                link.cut();
            }
        });
    }

    /** A relay to {@code agent}'s peer port that a test can cut like a network outage. */
    private static CuttableProxy relayTo(Agent agent) throws IOException {
        return new CuttableProxy(new java.net.InetSocketAddress("127.0.0.1", agent.listenAddress().getPort()));
    }

    @Test
    void guestProcessMigratesAndWritesTheDestinationsDiskThroughNbd() throws Exception {
        try (EmulatedHost source = trustedHost("source"); EmulatedHost destination = trustedHost("destination")) {
            Path disk = vmDisk(32L * MIB);
            signedPolicy(Demo.enrollPair(source, destination));
            String guest = "    simulated: { memoryMib: 32, dirtyMiBps: 4, diskWritesPerSecond: 100, process: true }\n";
            // The destination runs an arriving guest of this VM as a process too; its disk arrives at dst-vm1.raw.
            String dstVms = "vms:\n  " + VM + ":\n    disk: dst-" + VM + ".raw\n" + guest;
            try (Agent src = Agent.start(AgentConfigReader.read(configWithVms(source, "src-data", "vms:\n  " + VM + ":\n    disk: "
                    + dir.relativize(disk) + "\n" + guest)), Set.of());
                    Agent dst = Agent.start(AgentConfigReader.read(configWithVms(destination, "dst-data", dstVms)), Set.of())) {
                ProcessHandle atSource = guestProcess("src-data").orElseThrow(() -> new AssertionError("no guest process at the source"));
                assertEquals("running", status(src).path("vms").get(0).path("guest").asText());
                assertTrue(guestProcess("dst-data").isEmpty(), "nothing runs at the destination yet");

                Cli.Run run = Cli.run("migrate", "--agent-socket", src.adminSocket().toString(), "--vm", VM, "--to",
                        "127.0.0.1:" + dst.listenAddress().getPort(), "--json");
                run.assertExit(0).assertNoStackTrace();
                JsonNode outcome = lastLine(run.out());
                assertEquals("MIGRATED", outcome.path("result").asText(), run.describe());
                assertTrue(outcome.path("downtimeMillis").asLong() > 0, "the VM's downtime is reported: " + run.describe());
                assertTrue(outcome.path("memoryBytesSent").asLong() >= 16L * MIB, "the memory was sent: " + run.describe());
                assertEquals(outcome.path("sourceDigest").asText(), outcome.path("destinationDigest").asText(), run.describe());
                assertEquals(outcome.path("memory").path("digest").asText().length(), 64, "the receipt's memory digest: " + run.describe());

                assertTrue(atSource.onExit().orTimeout(30, TimeUnit.SECONDS).handle((h, e) -> e == null).join(),
                        "the source's guest process ended after the handover");
                assertEquals(List.of(), vmNames(status(src)), "the VM left the source");
                ProcessHandle atDestination = guestProcess("dst-data").orElseThrow(() -> new AssertionError("no guest process at the destination"));
                JsonNode vm = status(dst).path("vms").get(0);
                assertEquals("running", vm.path("guest").asText(), "status: the guest runs at the destination");
                long writes = vm.path("guestDiskWrites").asLong();
                // The resumed guest process writes the disk the destination serves, through its NBD export.
                Path arrived = dir.resolve("dst-" + VM + ".raw");
                String atSwitchover = outcome.path("sourceDigest").asText();
                waitForChange(arrived, atSwitchover, "the guest process's first write at the destination");
                waitFor(() -> {
                    try {
                        return status(dst).path("vms").get(0).path("guestDiskWrites").asLong() > writes;
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, "the guest's write count to grow at the destination");
                assertTrue(Files.readString(dir.resolve("dst-data/vms/" + VM + ".sim-vm.log")).contains("resumed at epoch 2"),
                        "the destination's guest process logs to the data directory");
                dst.close();
                assertTrue(atDestination.onExit().orTimeout(30, TimeUnit.SECONDS).handle((h, e) -> e == null).join(),
                        "closing the agent stops its guest processes");
            }
        }
    }

    @Test
    void guestProcessKeepsRunningAtTheSourceWhenTheDestinationGoesAwayDuringPrecopy() throws Exception {
        try (EmulatedHost source = trustedHost("source"); EmulatedHost destination = trustedHost("destination")) {
            Path disk = vmDisk(32L * MIB);
            signedPolicy(Demo.enrollPair(source, destination));
            String guest = "    simulated: { memoryMib: 32, dirtyMiBps: 4, diskWritesPerSecond: 100, process: true }\n";
            String dstVms = "vms:\n  " + VM + ":\n    disk: dst-" + VM + ".raw\n" + guest;
            try (Agent src = Agent.start(AgentConfigReader.read(configWithVms(source, "src-data", "vms:\n  " + VM + ":\n    disk: "
                    + dir.relativize(disk) + "\n" + guest)), Set.of())) {
                ProcessHandle atSource = guestProcess("src-data").orElseThrow(() -> new AssertionError("no guest process at the source"));
                Agent dst = Agent.start(AgentConfigReader.read(configWithVms(destination, "dst-data", dstVms)), Set.of());
                AtomicBoolean closed = new AtomicBoolean();
                AtomicBoolean incomingSeen = new AtomicBoolean();
                MigrationOutcome outcome;
                try {
                    outcome = src.migrate(new MigrationRequest(VM, HostPort.parse("127.0.0.1:" + dst.listenAddress().getPort()),
                            MirrorMode.SYNC, 0, 0), p -> {
                                if ("memory".equals(p.phase()) && closed.compareAndSet(false, true)) {
                                    incomingSeen.set(guestProcess("dst-data").isPresent());
                                    dst.close();
                                }
                            });
                } finally {
                    if (closed.compareAndSet(false, true)) {
                        dst.close();
                    }
                }
                assertTrue(incomingSeen.get(), "the destination had started an incoming guest process");
                assertEquals(MigrationOutcome.Result.ABORTED, outcome.result(), outcome.toString());
                assertTrue(atSource.isAlive(), "the source's guest process still runs");
                assertEquals(atSource.pid(), guestProcess("src-data").map(ProcessHandle::pid).orElse(-1L), "the same process, not a new one");
                waitFor(() -> guestProcess("dst-data").isEmpty(), "the destination's incoming guest process to end");
                JsonNode vm = status(src).path("vms").get(0);
                assertEquals("running", vm.path("guest").asText(), "the guest runs at the source again");
                String rolledBack = digest(disk);
                waitForChange(disk, rolledBack, "the guest process's next disk write at the source");
            }
            assertTrue(guestProcess("src-data").isEmpty(), "closing the source agent stopped its guest process");
        }
    }

    /** Waits until the disk's digest is no longer {@code before}: a guest wrote it. */
    private static void waitForChange(Path disk, String before, String what) throws InterruptedException {
        waitFor(() -> {
            try {
                return !digest(disk).equals(before);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, what);
    }

    /** The sim-vm process this JVM launched whose control socket is in {@code dataDir}, if one runs. */
    private java.util.Optional<ProcessHandle> guestProcess(String dataDir) {
        String control = dir.resolve(dataDir + "/vms/" + VM + ".sim-vm.sock").toString();
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().map(c -> c.contains("SimVmMain") && c.contains(control)).orElse(false)).findFirst();
    }

    /** After a rolled-back migration: the source serves the VM, from its own disk, unchanged, not renamed. */
    private void assertSourceStillServes(Agent src, Path disk, String before) throws IOException {
        JsonNode s = status(src);
        assertEquals(List.of(VM), vmNames(s), "the source still serves the VM");
        assertEquals("running", s.path("vms").get(0).path("state").asText());
        assertEquals(0, s.path("migrations").size(), "no migration in flight any more");
        assertTrue(Files.exists(dir.resolve("src-data/vms/" + VM + ".sock")), "the source's NBD export is still there");
        assertTrue(Files.exists(disk), "the source's disk was not renamed");
        try (Stream<Path> files = Files.list(disk.getParent())) {
            assertEquals(0, files.filter(p -> p.getFileName().toString().contains(".migrated-")).count(), "no kept copy: nothing migrated");
        }
        assertEquals(before, digest(disk), "the source's disk is intact");
    }

    private boolean bulkCopyPast(Agent src, long bytes) {
        try {
            for (JsonNode m : status(src).path("migrations")) {
                JsonNode p = m.path("progress");
                if ("bulk_copy".equals(p.path("phase").asText()) && p.path("bytesDone").asLong() >= bytes) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void destinationWithUnapprovedXenIsRefusedAndNothingIsSent() throws Exception {
        try (EmulatedHost source = trustedHost("source");
                EmulatedHost destination = EmulatedHost.boot("destination", dir.resolve("destination-host"),
                        SampleLaunch.trusted().withHypervisor("xen-4.18.0").components())) {
            Path disk = vmDisk(32L * MIB);
            String before = digest(disk);
            signedPolicy(Demo.enrollPair(source, destination));
            try (Agent src = Agent.start(AgentConfigReader.read(config(source, "src-data", disk)), Set.of());
                    Agent dst = Agent.start(AgentConfigReader.read(config(destination, "dst-data", null)), Set.of())) {
                Cli.Run run = Cli.run("migrate", "--agent-socket", src.adminSocket().toString(), "--vm", VM, "--to",
                        "127.0.0.1:" + dst.listenAddress().getPort());
                run.assertExit(1).assertNoStackTrace();
                assertTrue(run.out().contains("REFUSED") && run.out().contains("launch.hypervisor"), run.describe());
                try (Stream<Path> incoming = Files.list(dir.resolve("dst-data/incoming"))) {
                    assertEquals(0, incoming.count(), "the destination received nothing");
                }
                assertEquals(List.of(VM), vmNames(status(src)), "the source still serves the VM");
                assertEquals("running", status(src).path("vms").get(0).path("state").asText());
                assertTrue(Files.exists(dir.resolve("src-data/vms/" + VM + ".sock")));
                assertEquals(List.of(), vmNames(status(dst)));
                assertEquals(before, digest(disk), "the source's disk is untouched");
            }
        }
    }

    @Test
    void badConfigurationIsExplainedWithoutAStackTrace() throws Exception {
        Path unknown = dir.resolve("unknown.yaml");
        Files.writeString(unknown, "host: a\ntpm: swtpm://127.0.0.1:1\neventLog: e\npolicy: p\nadministratorKeys: [k]\n"
                + "dataDirectory: d\nlisten: 127.0.0.1:0\npolcy: typo\n");
        Cli.Run run = Cli.run("agent", "--config", unknown.toString()).assertExit(2).assertNoStackTrace();
        assertTrue(run.err().contains("'polcy'") && run.err().contains("unknown key"), run.describe());

        Path missing = dir.resolve("missing.yaml");
        Files.writeString(missing, "host: a\ntpm: swtpm://127.0.0.1:1\neventLog: e\nadministratorKeys: [k]\ndataDirectory: d\nlisten: 127.0.0.1:0\n");
        run = Cli.run("agent", "--config", missing.toString()).assertExit(2).assertNoStackTrace();
        assertTrue(run.err().contains("'policy'") && run.err().contains("missing"), run.describe());

        run = Cli.run("agent", "--config", dir.resolve("nowhere.yaml").toString()).assertExit(2).assertNoStackTrace();
        assertTrue(run.err().contains("no such file"), run.describe());

        run = Cli.run("migrate", "--agent-socket", dir.resolve("none.sock").toString(), "--vm", VM, "--to", "127.0.0.1:1")
                .assertExit(2).assertNoStackTrace();
        assertTrue(run.err().contains("no agent socket"), run.describe());
    }

    /** A disk with content: a pseudo-random megabyte, varied per megabyte. */
    private Path vmDisk(long size) throws IOException {
        Path file = dir.resolve("vms/" + VM + ".raw");
        Files.createDirectories(file.getParent());
        byte[] block = new byte[MIB];
        new Random(7).nextBytes(block);
        try (DiskImage image = DiskImage.create(file, size)) {
            for (long off = 0; off < size; off += MIB) {
                block[0] = (byte) (off >> 20);
                image.write(off, ByteBuffer.wrap(block));
            }
        }
        return file;
    }

    /** The administrator's part, as {@code Demo} does it: write the policy, sign it, publish the public key. */
    private void signedPolicy(Policy policy) throws Exception {
        byte[] bytes = PolicyWriter.toYaml(policy).getBytes(StandardCharsets.UTF_8);
        Files.write(dir.resolve("policy.yaml"), bytes);
        KeyPair admin = AdministratorKeys.generate();
        AdministratorKeys.write(admin, dir.resolve("admin.key"), dir.resolve("admin.pub"));
        Files.writeString(dir.resolve("policy.yaml.sig"), PolicySignature.sign(bytes, admin.getPrivate(), admin.getPublic()).toJson(bytes));
    }

    /** An agent's configuration file, with relative paths as an operator would write them next to the files. */
    private Path config(EmulatedHost host, String dataDir, Path vmDisk) throws IOException {
        return configWithVms(host, dataDir, vmDisk == null ? "" : "vms:\n  " + VM + ": " + dir.relativize(vmDisk) + "\n");
    }

    private Path configWithVms(EmulatedHost host, String dataDir, String vms) throws IOException {
        String text = "host: " + host.name() + "\n"
                + "tpm: " + host.tpmUri() + "\n"
                + "eventLog: " + host.directory().resolve(EmulatedHost.EVENT_LOG_FILE) + "\n"
                + "policy: policy.yaml\n"
                + "administratorKeys:\n  - admin.pub\n"
                + "dataDirectory: " + dataDir + "\n"
                + "listen: 127.0.0.1:0\n"
                + vms;
        Path file = dir.resolve(host.name() + "-agent.yaml");
        Files.writeString(file, text);
        return file;
    }

    private JsonNode status(Agent agent) throws IOException {
        Cli.Run run = Cli.run("status", "--agent-socket", agent.adminSocket().toString(), "--json").assertExit(0);
        return json.readTree(run.out());
    }

    private static List<String> vmNames(JsonNode status) {
        return Stream.of(status.path("vms")).flatMap(vms -> java.util.stream.StreamSupport.stream(vms.spliterator(), false))
                .map(vm -> vm.path("name").asText()).toList();
    }

    private JsonNode lastLine(String out) throws IOException {
        String[] lines = out.strip().split("\n");
        return json.readTree(lines[lines.length - 1]);
    }

    private static String digest(Path file) throws IOException {
        try (DiskImage image = DiskImage.open(file, true)) {
            return HexFormat.of().formatHex(DigestTree.compute(image, new ChunkLayout(image.size(), ServedVm.CHUNK_SIZE)).root());
        }
    }

    /**
     * The VM: qemu-io writes 64 KiB patterns through the NBD export until stopped or until the
     * export goes away (the source detached after the switchover).
     */
    private static Thread qemuWriter(Path socket, AtomicBoolean stop, AtomicInteger writes) {
        Thread t = new Thread(() -> {
            Random r = new Random(5);
            while (!stop.get()) {
                long off = 65536L * r.nextInt(32 * 16);
                try {
                    Process p = new ProcessBuilder("qemu-io", "-f", "raw", "nbd+unix:///vda?socket=" + socket, "-c",
                            "write -P " + (1 + r.nextInt(250)) + " " + off + " 64k", "-c", "write -P 0x33 " + (off + 65536 * 7) + " 4k")
                            .redirectErrorStream(true).start();
                    p.getInputStream().readAllBytes();
                    if (!p.waitFor(20, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                        return;
                    }
                    if (p.exitValue() != 0) {
                        return;
                    }
                    writes.incrementAndGet();
                } catch (IOException e) {
                    return;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }, "vm-qemu-io");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private Thread statusWatcher(Agent agent, AtomicBoolean stop, AtomicBoolean sawOutgoing) {
        Thread t = new Thread(() -> {
            while (!stop.get() && !sawOutgoing.get()) {
                try {
                    JsonNode s = status(agent);
                    for (JsonNode m : s.path("migrations")) {
                        if ("outgoing".equals(m.path("direction").asText()) && VM.equals(m.path("vm").asText())) {
                            sawOutgoing.set(true);
                        }
                    }
                    Thread.sleep(100);
                } catch (IOException | RuntimeException e) {
                    return;
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "status-watcher");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    /** A host with its own swtpm after the trusted TXT launch, in {@code dir/NAME-host}. */
    private EmulatedHost trustedHost(String name) throws Exception {
        return EmulatedHost.boot(name, dir.resolve(name + "-host"), SampleLaunch.trusted().components());
    }
}
