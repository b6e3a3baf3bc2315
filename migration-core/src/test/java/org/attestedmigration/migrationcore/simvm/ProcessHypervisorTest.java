package org.attestedmigration.migrationcore.simvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.attestedmigration.migrationcore.hypervisor.FencingException;
import org.attestedmigration.migrationcore.hypervisor.HandoverToken;
import org.attestedmigration.migrationcore.hypervisor.IncomingVm;
import org.attestedmigration.migrationcore.hypervisor.MemoryMigrationSettings;
import org.attestedmigration.migrationcore.hypervisor.MemoryReceipt;
import org.attestedmigration.migrationcore.hypervisor.MigrationAbortedException;
import org.attestedmigration.migrationcore.hypervisor.OutgoingMigration;
import org.attestedmigration.migrationcore.hypervisor.PauseHook;
import org.attestedmigration.migrationcore.hypervisor.ResumeResult;
import org.attestedmigration.migrationcore.hypervisor.StopAndCopyResult;
import org.attestedmigration.migrationcore.hypervisor.VmState;
import org.attestedmigration.migrationcore.hypervisor.VmStateException;
import org.attestedmigration.migrationcore.memory.DirtyPattern;
import org.attestedmigration.migrationcore.memory.SimVmOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guests in real sim-vm processes, one "host" directory each, the memory stream over a loopback
 * socket as the attested channel would carry it: a migration with its pause hook inside the
 * pause, and a failing hook that resumes the guest at the source. No disk: the guests' NBD
 * sockets do not exist, so their writes fail and are counted; the agent test covers the disk.
 */
class ProcessHypervisorTest {
    private static final SimVmOptions GUEST = SimVmOptions.defaults().withMemoryMib(16).withDirtyRate(4L << 20, DirtyPattern.RANDOM, 0.1);
    private static final MemoryMigrationSettings SETTINGS = MemoryMigrationSettings.defaults().withPrecopyDeadline(Duration.ofSeconds(20));
    @TempDir
    Path dir;

    private ProcessHypervisor host(String name) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        return new ProcessHypervisor(d, vm -> d.resolve(vm + ".nbd"));
    }

    /** A loopback TCP connection: the source's end and the destination's end of the memory stream. */
    private static Socket[] link() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Socket a = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
            return new Socket[] {a, server.accept()};
        }
    }

    /** The destination reads the stream on a thread of its own, as the agent's worker does. */
    private static CompletableFuture<MemoryReceipt> receiving(IncomingVm incoming, Socket end) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return incoming.receiveMemory(end.getInputStream());
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
    }

    @Test
    void migratesBetweenTwoProcessesWithTheHookInsideThePause() throws Exception {
        try (ProcessHypervisor source = host("src"); ProcessHypervisor destination = host("dst")) {
            ProcessVm vm = source.boot("vm1", "vda", GUEST);
            assertEquals(VmState.RUNNING, vm.state());
            assertEquals(1, vm.epoch());
            assertThrows(Exception.class, () -> source.boot("vm1", "vda", GUEST), "one VM of a name per host");
            long pid = vm.process().pid();

            IncomingVm incoming = destination.prepareDestination(vm.spec());
            assertEquals(VmState.PREPARED, incoming.state());
            Socket[] link = link();
            CompletableFuture<MemoryReceipt> received = receiving(incoming, link[1]);
            OutgoingMigration m = source.startMemoryMigration(vm, link[0].getOutputStream(), SETTINGS);
            assertEquals(VmState.MIGRATING, vm.state());
            m.awaitPrecopy(Duration.ofSeconds(60));
            AtomicInteger paused = new AtomicInteger();
            StopAndCopyResult copied = m.stopAndCopy(() -> {
                // The process waits for this hook: the guest must be paused now.
                assertEquals(VmState.PAUSED, vm.state());
                paused.incrementAndGet();
            });
            assertEquals(1, paused.get());
            assertTrue(copied.pagesSent() >= vm.spec().pageCount(), "every page went at least once");
            MemoryReceipt receipt = received.get(60, TimeUnit.SECONDS);
            assertEquals(VmState.RECEIVED, incoming.state());
            assertEquals(2, receipt.epoch());

            HandoverToken token = m.handOver(receipt);
            assertEquals(VmState.HANDED_OVER, vm.state());
            assertThrows(FencingException.class, () -> m.abort("too late"), "after handover the source never resumes");
            ResumeResult resumed = incoming.resume(token);
            assertEquals(2, resumed.epoch());
            assertTrue(resumed.downtime().toNanos() > 0, "downtime is measured: " + resumed.downtime());
            assertEquals(VmState.RUNNING, destination.find("vm1").orElseThrow().state());
            assertInstanceOf(ProcessVm.class, destination.find("vm1").orElseThrow(), "the resumed guest can migrate on");
            assertThrows(VmStateException.class, incoming::destroy, "a running guest is not destroyed as an incoming one");

            m.destroy();
            assertTrue(ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true), "the source's guest process ended");
            assertTrue(source.find("vm1").isEmpty());
            assertTrue(Files.readString(source.log("vm1")).contains("sim-vm vm1"), "the process logs to its file");
        }
    }

    @Test
    void aFailingPauseHookResumesTheGuestAtTheSourceAndTheDestinationProcessEnds() throws Exception {
        try (ProcessHypervisor source = host("src"); ProcessHypervisor destination = host("dst")) {
            ProcessVm vm = source.boot("vm1", "vda", GUEST);
            IncomingVm incoming = destination.prepareDestination(vm.spec());
            long destinationPid = ((ProcessIncomingVm) incoming).process().pid();
            Socket[] link = link();
            CompletableFuture<MemoryReceipt> received = receiving(incoming, link[1]);
            OutgoingMigration m = source.startMemoryMigration(vm, link[0].getOutputStream(), SETTINGS);
            AtomicInteger undone = new AtomicInteger();
            MigrationAbortedException e = assertThrows(MigrationAbortedException.class, () -> m.stopAndCopy(new PauseHook() {
                @Override
                public void paused() throws Exception {
                    throw new IOException("the disk would not switch over");
                }

                @Override
                public void resumedOnSource() {
                    undone.incrementAndGet();
                }
            }));
            assertTrue(e.getMessage().contains("the disk would not switch over"), e.getMessage());
            assertEquals(1, undone.get(), "the hook was undone once");
            assertEquals(VmState.RUNNING, vm.state(), "the guest runs at the source again");
            assertTrue(vm.process().alive());

            ExecutionException failed = assertThrows(ExecutionException.class, () -> received.get(60, TimeUnit.SECONDS));
            assertInstanceOf(MigrationAbortedException.class, failed.getCause(), "the destination learns of the abort");
            assertEquals(VmState.DESTROYED, incoming.state());
            assertTrue(destination.find("vm1").isEmpty());
            ProcessHandle.of(destinationPid).ifPresent(h -> h.onExit().orTimeout(30, TimeUnit.SECONDS).join());

            // The guest is not stuck: a later migration of it can start.
            m.abort("idempotent before handover");
            assertEquals(VmState.RUNNING, vm.state());
            assertThrows(VmStateException.class, m::destroy, "the only copy is not destroyed");
        }
    }

    @Test
    void closingTheHypervisorStopsItsGuestProcesses() throws Exception {
        ProcessVm vm;
        try (ProcessHypervisor source = host("src")) {
            vm = source.boot("vm1", "vda", GUEST);
        }
        long pid = vm.process().pid();
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the guest process was stopped");
        assertEquals(VmState.DESTROYED, vm.state());
    }
}
