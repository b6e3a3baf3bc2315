package org.attestedmigration.migrationcore.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.attestedmigration.migrationcore.hypervisor.FencingException;
import org.attestedmigration.migrationcore.hypervisor.HandoverToken;
import org.attestedmigration.migrationcore.hypervisor.IncomingVm;
import org.attestedmigration.migrationcore.hypervisor.MemoryMigrationSettings;
import org.attestedmigration.migrationcore.hypervisor.MemoryReceipt;
import org.attestedmigration.migrationcore.hypervisor.MigrationAbortedException;
import org.attestedmigration.migrationcore.hypervisor.OutgoingMigration;
import org.attestedmigration.migrationcore.hypervisor.PauseHook;
import org.attestedmigration.migrationcore.hypervisor.VmState;
import org.attestedmigration.migrationcore.hypervisor.VmStateException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The VM runs in exactly one place: what the destination and the source may and may not do around handover. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FencingTest {
    private static final long MIB = 1 << 20;

    private final SimHypervisor source = SimHypervisor.withoutDisks("src");
    private final SimHypervisor destination = SimHypervisor.withoutDisks("dst");
    private SimVm vm;
    private TestLinks.Link link;
    private IncomingVm incoming;
    private CompletableFuture<MemoryReceipt> received;
    private OutgoingMigration migration;

    @BeforeEach
    void start() throws Exception {
        vm = source.boot("f", "vda", SimVmOptions.defaults().withMemoryMib(16).withDirtyRate(8 * MIB, DirtyPattern.RANDOM, 1));
        link = TestLinks.loopback();
        incoming = destination.prepareDestination(vm.spec());
        received = TestLinks.receive(incoming, link.destination());
        migration = source.startMemoryMigration(vm, link.source(), MemoryMigrationSettings.defaults());
    }

    @AfterEach
    void stop() throws Exception {
        link.close();
    }

    private MemoryReceipt copied() throws Exception {
        migration.stopAndCopy(PauseHook.NONE);
        return received.get(10, TimeUnit.SECONDS);
    }

    private boolean executes(SimVm v) throws InterruptedException {
        long before = v.pagesDirtied();
        Thread.sleep(150);
        return v.pagesDirtied() != before;
    }

    @Test
    void theDestinationCannotResumeBeforeTheSourceHandsOver() throws Exception {
        MemoryReceipt receipt = copied();
        // Right VM and epoch, but only the source knows the secret behind the stream's commitment.
        HandoverToken forged = HandoverToken.generate("f", receipt.epoch(), new SecureRandom());
        FencingException e = assertThrows(FencingException.class, () -> incoming.resume(forged));
        assertEquals(VmState.RECEIVED, e.state());
        assertEquals(VmState.RECEIVED, incoming.state());
        assertEquals(VmState.PAUSED, vm.state());

        HandoverToken token = migration.handOver(receipt);
        HandoverToken otherEpoch = HandoverToken.decode(token.encode());
        assertEquals(token, otherEpoch);
        incoming.resume(token);
        assertEquals(VmState.RUNNING, incoming.state());
        migration.destroy();
    }

    @Test
    void theSourceCannotResumeAfterHandover() throws Exception {
        HandoverToken token = migration.handOver(copied());
        FencingException e = assertThrows(FencingException.class, () -> migration.abort("changed my mind"));
        assertEquals(VmState.HANDED_OVER, e.state());
        assertEquals(VmState.HANDED_OVER, vm.state());
        assertFalse(executes(vm), "the source guest stays stopped");
        assertThrows(VmStateException.class, () -> migration.handOver(received.get()), "no second token");
        incoming.resume(token);
        assertThrows(FencingException.class, () -> migration.abort("again"));
        migration.destroy();
        migration.destroy();
        assertEquals(VmState.DESTROYED, vm.state());
    }

    @Test
    void resumingTwiceIsAnError() throws Exception {
        HandoverToken token = migration.handOver(copied());
        incoming.resume(token);
        VmStateException e = assertThrows(VmStateException.class, () -> incoming.resume(token));
        assertEquals(VmState.RUNNING, e.state());
        assertThrows(VmStateException.class, incoming::destroy, "a running guest is not destroyed as an incoming VM");
        migration.destroy();
    }

    @Test
    void abortAfterStopAndCopyButBeforeHandoverLeavesTheSourceRunningAndTheDestinationDestroyed() throws Exception {
        boolean[] undone = new boolean[1];
        migration.stopAndCopy(new PauseHook() {
            @Override
            public void paused() {
            }

            @Override
            public void resumedOnSource() {
                undone[0] = true;
            }
        });
        MemoryReceipt receipt = received.get(10, TimeUnit.SECONDS);
        assertFalse(executes(vm));
        migration.abort("the disk did not verify");
        migration.abort("idempotent");
        assertEquals(VmState.RUNNING, vm.state());
        assertTrue(executes(vm), "the guest runs on the source again");
        assertTrue(undone[0], "the pause hook was undone");
        assertThrows(VmStateException.class, () -> migration.handOver(receipt), "no token after an abort");
        assertThrows(VmStateException.class, () -> migration.destroy(), "the only copy is not destroyed");

        incoming.destroy();
        assertEquals(VmState.DESTROYED, incoming.state());
        VmStateException e = assertThrows(VmStateException.class,
                () -> incoming.resume(HandoverToken.generate("f", receipt.epoch(), new SecureRandom())));
        assertEquals(VmState.DESTROYED, e.state());
        assertFalse(destination.find("f").isPresent());
        vm.shutdown();
    }

    @Test
    void abortDuringPreCopyReachesTheDestinationWhichDestroysItself() throws Exception {
        Thread.sleep(50);
        migration.abort("operator");
        assertEquals(VmState.RUNNING, vm.state());
        assertTrue(executes(vm));
        assertThrows(MigrationAbortedException.class, () -> migration.stopAndCopy(PauseHook.NONE));
        ExecutionException e = assertThrows(ExecutionException.class, () -> received.get(10, TimeUnit.SECONDS));
        assertInstanceOf(MigrationAbortedException.class, e.getCause(), "the ABORT record reached the destination");
        assertTrue(e.getCause().getMessage().contains("operator"), e.getCause().getMessage());
        assertEquals(VmState.DESTROYED, incoming.state());
        // A new attempt from the same VM works, at the same epoch, with a fresh commitment.
        try (TestLinks.Link again = TestLinks.loopback()) {
            IncomingVm retry = destination.prepareDestination(vm.spec());
            CompletableFuture<MemoryReceipt> r = TestLinks.receive(retry, again.destination());
            OutgoingMigration m = source.startMemoryMigration(vm, again.source(), MemoryMigrationSettings.defaults());
            m.stopAndCopy(PauseHook.NONE);
            MemoryReceipt receipt = r.get(10, TimeUnit.SECONDS);
            assertEquals(2, receipt.epoch());
            retry.resume(m.handOver(receipt));
            m.destroy();
            ((SimVm) destination.find("f").orElseThrow()).shutdown();
        }
    }

    @Test
    void aReceiptForOtherMemoryIsRefusedAndTheSourceCanStillResume() throws Exception {
        MemoryReceipt real = copied();
        byte[] wrong = real.digest();
        wrong[0] ^= 1;
        MemoryReceipt forged = new MemoryReceipt("f", real.epoch(), wrong, real.sourcePausedAt());
        assertThrows(FencingException.class, () -> migration.handOver(forged));
        MemoryReceipt otherEpoch = new MemoryReceipt("f", real.epoch() + 1, real.digest(), real.sourcePausedAt());
        assertThrows(FencingException.class, () -> migration.handOver(otherEpoch));
        assertEquals(VmState.PAUSED, vm.state());
        migration.abort("receipt mismatch");
        assertEquals(VmState.RUNNING, vm.state());
        incoming.destroy();
        vm.shutdown();
    }

    @Test
    void aVmAlreadyMigratingCannotStartASecondMigration() throws Exception {
        assertThrows(VmStateException.class, () -> source.startMemoryMigration(vm, TestLinks.piped().source(), MemoryMigrationSettings.defaults()));
        assertThrows(org.attestedmigration.migrationcore.hypervisor.HypervisorException.class, () -> destination.prepareDestination(vm.spec()),
                "one incoming VM of a name per host");
        migration.abort("done");
        incoming.destroy();
        vm.shutdown();
    }

    @Test
    void aVmMigratesThereAndBackWithIncreasingEpochs() throws Exception {
        HandoverToken token = migration.handOver(copied());
        incoming.resume(token);
        migration.destroy();
        SimVm there = (SimVm) destination.find("f").orElseThrow();
        assertEquals(2, there.epoch());
        try (TestLinks.Link back = TestLinks.loopback()) {
            IncomingVm home = source.prepareDestination(there.spec());
            CompletableFuture<MemoryReceipt> r = TestLinks.receive(home, back.destination());
            OutgoingMigration m = destination.startMemoryMigration(there, back.source(), MemoryMigrationSettings.defaults());
            m.stopAndCopy(PauseHook.NONE);
            MemoryReceipt receipt = r.get(10, TimeUnit.SECONDS);
            assertEquals(3, receipt.epoch());
            // The first migration's token is for epoch 2: useless now.
            assertThrows(FencingException.class, () -> home.resume(token));
            home.resume(m.handOver(receipt));
            m.destroy();
            assertEquals(3, source.find("f").orElseThrow().epoch());
            ((SimVm) source.find("f").orElseThrow()).shutdown();
        }
    }
}
