package org.attestedmigration.migrationcore.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.attestedmigration.migrationcore.hypervisor.ConvergenceOutcome;
import org.attestedmigration.migrationcore.hypervisor.HandoverToken;
import org.attestedmigration.migrationcore.hypervisor.HypervisorException;
import org.attestedmigration.migrationcore.hypervisor.IncomingVm;
import org.attestedmigration.migrationcore.hypervisor.MemoryMigrationSettings;
import org.attestedmigration.migrationcore.hypervisor.MemoryReceipt;
import org.attestedmigration.migrationcore.hypervisor.MigrationAbortedException;
import org.attestedmigration.migrationcore.hypervisor.MigrationStreamException;
import org.attestedmigration.migrationcore.hypervisor.OutgoingMigration;
import org.attestedmigration.migrationcore.hypervisor.PauseHook;
import org.attestedmigration.migrationcore.hypervisor.ResumeResult;
import org.attestedmigration.migrationcore.hypervisor.StopAndCopyResult;
import org.attestedmigration.migrationcore.hypervisor.Vm;
import org.attestedmigration.migrationcore.hypervisor.VmState;
import org.attestedmigration.migrationcore.hypervisor.VmStateException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Whole migrations of simulated VMs between two simulated hosts. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SimVmMigrationTest {
    private static final long MIB = 1 << 20;

    private final RecordingDiskWriter disk = new RecordingDiskWriter();
    private final SimHypervisor source = new SimHypervisor("src", spec -> disk.on("src"), Duration.ofSeconds(20));
    private final SimHypervisor destination = new SimHypervisor("dst", spec -> disk.on("dst"), Duration.ofSeconds(20));

    /** Captures the source's memory digest while the guest is paused, as the disk flush would run. */
    private static final class DigestAtPause implements PauseHook {
        final AtomicReference<byte[]> digest = new AtomicReference<>();
        final SimVm vm;
        volatile boolean undone;

        DigestAtPause(SimVm vm) {
            this.vm = vm;
        }

        @Override
        public void paused() throws Exception {
            digest.set(vm.digest());
        }

        @Override
        public void resumedOnSource() {
            undone = true;
        }
    }

    @Test
    void a128MibVmDirtyingAndWritingItsDiskMigratesOverLoopbackWithItsExactMemory() throws Exception {
        SimVm vm = source.boot("vm1", "vda", SimVmOptions.defaults().withMemoryMib(128)
                .withDirtyRate(20 * MIB, DirtyPattern.RANDOM, 1).withDiskWrites(200, 4096, 64 * MIB));
        Thread.sleep(300);
        long startedAt = System.nanoTime();
        try (TestLinks.Link link = TestLinks.loopback()) {
            IncomingVm incoming = destination.prepareDestination(vm.spec());
            CompletableFuture<MemoryReceipt> received = TestLinks.receive(incoming, link.destination());
            OutgoingMigration m = source.startMemoryMigration(vm, link.source(), MemoryMigrationSettings.defaults()
                    .withConvergedBytes(256 * 1024));
            assertEquals(VmState.MIGRATING, vm.state());
            boolean[] hookRan = new boolean[1];
            StopAndCopyResult result = m.stopAndCopy(() -> hookRan[0] = vm.state() == VmState.PAUSED);
            MemoryReceipt receipt = received.get(30, TimeUnit.SECONDS);
            assertTrue(hookRan[0], "the pause hook ran while the guest was paused");
            assertEquals(VmState.PAUSED, vm.state());
            assertEquals(VmState.RECEIVED, incoming.state());

            HandoverToken token = m.handOver(receipt);
            long sourceDirtiedAtPause = vm.pagesDirtied();
            ResumeResult resumed = incoming.resume(token);
            Duration total = Duration.ofNanos(System.nanoTime() - startedAt);
            // Handed over, the source never ran again: its memory is still the memory at pause.
            assertEquals(VmState.HANDED_OVER, vm.state());
            assertTrue(receipt.confirms("vm1", vm.epoch() + 1, vm.digest()), "the destination holds the source's memory at pause");
            m.destroy();

            assertEquals(VmState.DESTROYED, vm.state());
            assertEquals(VmState.RUNNING, incoming.state());
            assertEquals(2, resumed.epoch());
            Vm running = destination.find("vm1").orElseThrow();
            assertEquals(2, running.epoch());
            assertFalse(source.find("vm1").isPresent());

            assertEquals(ConvergenceOutcome.CONVERGED, result.precopy().outcome());
            assertTrue(result.precopy().rounds() >= 2, "dirty pages were re-sent: " + result.precopy());
            assertTrue(result.zeroPagesSent() > vm.spec().pageCount() / 3, "half the pages are zero and go as flags: " + result);
            assertTrue(result.bytesSent() < 128 * MIB, "zero pages carry no data: " + result.bytesSent());
            assertTrue(resumed.downtime().compareTo(Duration.ZERO) > 0, "downtime measured");
            assertTrue(resumed.downtime().toNanos() * 4 < total.toNanos(), "downtime " + resumed.downtime() + " small against " + total);
            assertFalse(resumed.downtime().isNegative());

            // The guest goes on at the destination from where it paused: no write from two places.
            SimVm after = (SimVm) running;
            Thread.sleep(300);
            assertTrue(after.pagesDirtied() > sourceDirtiedAtPause, "the resumed guest dirties memory");
            assertTrue(disk.count("src") > 0 && disk.count("dst") > 0, "both hosts' guest wrote the disk in turn");
            assertTrue(disk.last("src") < disk.first("dst"), "every source disk write precedes every destination one");
            after.shutdown();
        }
    }

    @Test
    void aHotSetGuestMigratesOverPipesAndPreCopyStopsWhenTheDirtySetStopsShrinking() throws Exception {
        // A hot set of 0.8 MiB rewritten many times a second, a link of 8 MiB/s: each round finds it all dirty again.
        SimVm vm = source.boot("hot", "vdb", SimVmOptions.defaults().withMemoryMib(16)
                .withDirtyRate(64 * MIB, DirtyPattern.HOT_SET, 0.05));
        try (TestLinks.Link link = TestLinks.piped()) {
            IncomingVm incoming = destination.prepareDestination(vm.spec());
            CompletableFuture<MemoryReceipt> received = TestLinks.receive(incoming, link.destination());
            OutgoingMigration m = source.startMemoryMigration(vm, new TestLinks.Throttled(link.source(), 8 * MIB),
                    MemoryMigrationSettings.defaults().withConvergedBytes(64 * 1024));
            DigestAtPause hook = new DigestAtPause(vm);
            StopAndCopyResult result = m.stopAndCopy(hook);
            MemoryReceipt receipt = received.get(30, TimeUnit.SECONDS);
            assertTrue(receipt.confirms("hot", 2, hook.digest.get()));
            assertArrayEquals(hook.digest.get(), ((SimIncomingVm) incoming).digestFromScratch(), "re-hashing the destination's memory agrees");
            assertEquals(ConvergenceOutcome.STALLED, result.precopy().outcome(), result.precopy().toString());
            assertTrue(result.finalPages() > 0);
            incoming.resume(m.handOver(receipt));
            m.destroy();
            ((SimVm) destination.find("hot").orElseThrow()).shutdown();
        }
    }

    @Test
    void aGuestDirtyingFasterThanTheLinkIsForcedIntoStopAndCopyByTheDeadline() throws Exception {
        long link = 16 * MIB;
        SimVm vm = source.boot("fast", "vdc", SimVmOptions.defaults().withMemoryMib(32)
                .withDirtyRate(100 * MIB, DirtyPattern.RANDOM, 1));
        try (TestLinks.Link l = TestLinks.loopback()) {
            IncomingVm incoming = destination.prepareDestination(vm.spec());
            CompletableFuture<MemoryReceipt> received = TestLinks.receive(incoming, l.destination());
            long t0 = System.nanoTime();
            OutgoingMigration m = source.startMemoryMigration(vm, new TestLinks.Throttled(l.source(), link),
                    MemoryMigrationSettings.defaults().withPrecopyDeadline(Duration.ofSeconds(1)));
            DigestAtPause hook = new DigestAtPause(vm);
            StopAndCopyResult result = m.stopAndCopy(hook);
            MemoryReceipt receipt = received.get(30, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - t0) / 1e9;

            assertEquals(ConvergenceOutcome.DEADLINE, result.precopy().outcome());
            assertTrue(result.precopy().elapsed().toMillis() < 1500, "pre-copy stopped at its deadline: " + result.precopy().elapsed());
            // Bounded: the deadline plus one pass over memory at the link rate, plus slack.
            assertTrue(seconds < 1 + 32.0 * MIB / link + 3, "took " + seconds + " s");
            assertTrue(result.finalPages() > 1000, "stop-and-copy carried what pre-copy could not: " + result.finalPages());
            assertTrue(receipt.confirms("fast", 2, hook.digest.get()));
            incoming.resume(m.handOver(receipt));
            m.destroy();
            ((SimVm) destination.find("fast").orElseThrow()).shutdown();
        }
    }

    @Test
    void aLinkBreakingMidPreCopyAbortsAndLeavesTheGuestRunningOnTheSourceOnly() throws Exception {
        SimVm vm = source.boot("brk", "vdd", SimVmOptions.defaults().withMemoryMib(64).withInitialFill(1.0, 7)
                .withDirtyRate(10 * MIB, DirtyPattern.RANDOM, 1));
        try (TestLinks.Link link = TestLinks.loopback()) {
            IncomingVm incoming = destination.prepareDestination(vm.spec());
            CompletableFuture<MemoryReceipt> received = TestLinks.receive(incoming, link.destination());
            OutgoingMigration m = source.startMemoryMigration(vm, new TestLinks.Breaking(link.source(), 8 * MIB),
                    MemoryMigrationSettings.defaults());
            assertThrows(MigrationAbortedException.class, () -> m.awaitPrecopy(Duration.ofSeconds(20)));
            assertThrows(MigrationAbortedException.class, () -> m.stopAndCopy(PauseHook.NONE));
            ExecutionException e = assertThrows(ExecutionException.class, () -> received.get(20, TimeUnit.SECONDS));
            assertInstanceOf(MigrationStreamException.class, e.getCause());

            assertEquals(VmState.RUNNING, vm.state());
            long dirtied = vm.pagesDirtied();
            Thread.sleep(200);
            assertTrue(vm.pagesDirtied() > dirtied, "the guest still runs on the source");
            assertEquals(VmState.DESTROYED, incoming.state());
            assertFalse(destination.find("brk").isPresent(), "nothing resumed or left at the destination");
            assertThrows(VmStateException.class, () -> m.handOver(new MemoryReceipt("brk", 2, new byte[32], Instant.now())),
                    "no token after a failure");
        }
        vm.shutdown();
    }

    @Test
    void aPauseHookThatHangsAbortsWithinTheStopAndCopyTimeoutAndIsUndone() throws Exception {
        SimVm vm = source.boot("hang", "vde", SimVmOptions.defaults().withMemoryMib(16).withDirtyRate(4 * MIB, DirtyPattern.RANDOM, 1));
        try (TestLinks.Link link = TestLinks.loopback()) {
            IncomingVm incoming = destination.prepareDestination(vm.spec());
            CompletableFuture<MemoryReceipt> received = TestLinks.receive(incoming, link.destination());
            OutgoingMigration m = source.startMemoryMigration(vm, link.source(), MemoryMigrationSettings.defaults()
                    .withPrecopyDeadline(Duration.ofSeconds(2)).withTimeouts(Duration.ofSeconds(1), Duration.ofMillis(500)));
            m.awaitPrecopy(Duration.ofSeconds(5));
            boolean[] undone = new boolean[1];
            long t0 = System.nanoTime();
            MigrationAbortedException e = assertThrows(MigrationAbortedException.class, () -> m.stopAndCopy(new PauseHook() {
                @Override
                public void paused() throws Exception {
                    Thread.sleep(60_000);
                }

                @Override
                public void resumedOnSource() {
                    undone[0] = true;
                }
            }));
            assertTrue((System.nanoTime() - t0) / 1e9 < 5, "bounded by the timeouts");
            assertNotNull(e.getMessage());
            assertTrue(undone[0], "the hook's pause was undone");
            assertEquals(VmState.RUNNING, vm.state());
            ExecutionException r = assertThrows(ExecutionException.class, () -> received.get(10, TimeUnit.SECONDS));
            assertInstanceOf(HypervisorException.class, r.getCause(), "a truncated stream or the source's ABORT record");
            assertEquals(VmState.DESTROYED, incoming.state());
        }
        vm.shutdown();
    }
}
