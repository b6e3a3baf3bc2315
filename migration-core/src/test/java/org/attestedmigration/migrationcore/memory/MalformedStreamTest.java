package org.attestedmigration.migrationcore.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.attestedmigration.migrationcore.hypervisor.HandoverToken;
import org.attestedmigration.migrationcore.hypervisor.HypervisorException;
import org.attestedmigration.migrationcore.hypervisor.IncomingVm;
import org.attestedmigration.migrationcore.hypervisor.MemoryDigestMismatchException;
import org.attestedmigration.migrationcore.hypervisor.MemoryMigrationSettings;
import org.attestedmigration.migrationcore.hypervisor.MemoryReceipt;
import org.attestedmigration.migrationcore.hypervisor.MigrationAbortedException;
import org.attestedmigration.migrationcore.hypervisor.MigrationStreamException;
import org.attestedmigration.migrationcore.hypervisor.OutgoingMigration;
import org.attestedmigration.migrationcore.hypervisor.PauseHook;
import org.attestedmigration.migrationcore.hypervisor.VmSpec;
import org.attestedmigration.migrationcore.hypervisor.VmState;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The destination refuses every stream that is not exactly a source's memory at pause, with a typed error. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MalformedStreamTest {
    private static final VmSpec SPEC = VmSpec.ofMib("m", 4, "vda");
    /** A complete, valid stream of an idle 4 MiB VM, recorded once. */
    private static byte[] valid;

    @BeforeAll
    static void record() throws Exception {
        SimHypervisor host = SimHypervisor.withoutDisks("src");
        SimVm vm = host.boot("m", "vda", SimVmOptions.defaults().withMemoryMib(4));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OutgoingMigration m = host.startMemoryMigration(vm, out, MemoryMigrationSettings.defaults());
        m.stopAndCopy(PauseHook.NONE);
        m.abort("recorded");
        vm.shutdown();
        valid = out.toByteArray();
    }

    private static IncomingVm incoming() throws HypervisorException {
        return SimHypervisor.withoutDisks("dst").prepareDestination(SPEC);
    }

    private static <T extends HypervisorException> T refused(Class<T> type, byte[] stream) throws HypervisorException {
        IncomingVm vm = incoming();
        T e = assertThrows(type, () -> vm.receiveMemory(new ByteArrayInputStream(stream)));
        assertEquals(VmState.DESTROYED, vm.state(), "refused: " + e.getMessage());
        assertThrows(HypervisorException.class, () -> vm.resume(HandoverToken.generate("m", 2, new SecureRandom())));
        return e;
    }

    @Test
    void theRecordedStreamItselfIsAccepted() throws Exception {
        IncomingVm vm = incoming();
        MemoryReceipt r = vm.receiveMemory(new ByteArrayInputStream(valid));
        assertEquals(2, r.epoch());
        assertEquals(VmState.RECEIVED, vm.state());
        assertTrue(valid.length < 3 * SPEC.memoryBytes() / 4, "half the pages are zero flags: " + valid.length);
    }

    @Test
    void garbageIsNotAMemoryStream() throws Exception {
        byte[] junk = new byte[64 * 1024];
        new Random(1).nextBytes(junk);
        assertTrue(refused(MigrationStreamException.class, junk).getMessage().contains("not a memory migration stream"));
        refused(MigrationStreamException.class, new byte[0]);
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 20, 60, 100, 5000, -40, -33, -1})
    void aTruncatedStreamIsRefused(int cut) throws Exception {
        int length = cut > 0 ? cut : valid.length + cut;
        refused(MigrationStreamException.class, Arrays.copyOf(valid, length));
    }

    @Test
    void oneFlippedBitInAPageFailsTheDigest() throws Exception {
        byte[] bad = valid.clone();
        int firstPageData = headerLength() + 1 + 4 + 100;
        bad[firstPageData] ^= 0x10;
        assertInstanceOf(MemoryDigestMismatchException.class, refused(MigrationStreamException.class, bad));
    }

    @Test
    void aFlippedDigestFails() throws Exception {
        byte[] bad = valid.clone();
        bad[bad.length - 1] ^= 1;
        refused(MemoryDigestMismatchException.class, bad);
    }

    @Test
    void aStreamForAnotherVmIsRefused() throws Exception {
        IncomingVm other = SimHypervisor.withoutDisks("dst").prepareDestination(VmSpec.ofMib("other", 4, "vda"));
        assertThrows(MigrationStreamException.class, () -> other.receiveMemory(new ByteArrayInputStream(valid)));
        IncomingVm bigger = SimHypervisor.withoutDisks("dst").prepareDestination(VmSpec.ofMib("m", 8, "vda"));
        assertThrows(MigrationStreamException.class, () -> bigger.receiveMemory(new ByteArrayInputStream(valid)));
        assertEquals(VmState.DESTROYED, bigger.state());
    }

    @Test
    void handWrittenStreamsOutOfOrderOrOutOfRangeAreRefused() throws Exception {
        refused(MigrationStreamException.class, written(w -> w.page(1024, new byte[4096])));
        refused(MigrationStreamException.class, written(w -> w.zero(-1)));
        refused(MigrationStreamException.class, written(w -> w.cpuState(new byte[8])));
        refused(MigrationStreamException.class, written(w -> w.end(new byte[32])));
        refused(MigrationStreamException.class, written(w -> {
            w.paused(java.time.Instant.now());
            w.roundEnd(1);
        }));
        refused(MigrationStreamException.class, written(w -> {
            w.paused(java.time.Instant.now());
            w.cpuState(new byte[8]);
        }));
        // Every page but one, then a well-formed ending: a missing page is refused before any digest.
        refused(MigrationStreamException.class, written(w -> {
            for (int p = 1; p < SPEC.pageCount(); p++) {
                w.zero(p);
            }
            w.paused(java.time.Instant.now());
            w.cpuState(new CpuState(1, 0, 1, 0, SimVmOptions.defaults().withMemoryMib(4)).encode());
            w.end(new byte[32]);
        }));
        assertTrue(refused(MigrationAbortedException.class, written(w -> w.abort("source gave up"))).getMessage().contains("source gave up"));
        refused(MigrationStreamException.class, written(w -> w.roundEnd(1)));
        byte[] unknownType = written(w -> { });
        unknownType = Arrays.copyOf(unknownType, unknownType.length + 1);
        unknownType[unknownType.length - 1] = 0x42;
        assertTrue(refused(MigrationStreamException.class, unknownType).getMessage().contains("unknown record type"));
    }

    @Test
    void aStalledStreamIsBrokenAfterTheIdleTimeout() throws Exception {
        IncomingVm vm = new SimHypervisor("dst", spec -> DiskWriter.NONE, Duration.ofMillis(400)).prepareDestination(SPEC);
        try (TestLinks.Link link = TestLinks.loopback()) {
            link.source().write(Arrays.copyOf(valid, 1000));
            link.source().flush();
            long t0 = System.nanoTime();
            CompletableFuture<MemoryReceipt> f = TestLinks.receive(vm, link.destination());
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
            assertInstanceOf(MigrationStreamException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("moved no byte"), e.getCause().getMessage());
            assertTrue((System.nanoTime() - t0) / 1e9 < 3);
            assertEquals(VmState.DESTROYED, vm.state());
        }
    }

    @Test
    void destroyingWhileReceivingStopsTheReceiver() throws Exception {
        IncomingVm vm = incoming();
        try (TestLinks.Link link = TestLinks.loopback()) {
            CompletableFuture<MemoryReceipt> f = TestLinks.receive(vm, link.destination());
            link.source().write(Arrays.copyOf(valid, 1000));
            link.source().flush();
            Thread.sleep(100);
            vm.destroy();
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
            assertInstanceOf(HypervisorException.class, e.getCause());
            assertEquals(VmState.DESTROYED, vm.state());
        }
    }

    private interface Body {
        void write(MemoryStreamWriter w) throws Exception;
    }

    private static byte[] written(Body body) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MemoryStreamWriter w = new MemoryStreamWriter(out);
        w.header(SPEC, 2, new byte[32]);
        body.write(w);
        w.close();
        return out.toByteArray();
    }

    private static int headerLength() {
        return 4 + 2 + 2 + 1 + 1 + 8 + 8 + 32;
    }
}
