package org.attestedmigration.migrationcore.memory;

import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.attestedmigration.migrationcore.hypervisor.IncomingVm;
import org.attestedmigration.migrationcore.hypervisor.MemoryMigrationSettings;
import org.attestedmigration.migrationcore.hypervisor.MemoryReceipt;
import org.attestedmigration.migrationcore.hypervisor.OutgoingMigration;
import org.attestedmigration.migrationcore.hypervisor.PauseHook;
import org.attestedmigration.migrationcore.hypervisor.ResumeResult;
import org.attestedmigration.migrationcore.hypervisor.StopAndCopyResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Figures for docs/memory-migration.md, not assertions. Run with
 * {@code mvn -B -o -pl migration-core test -Dtest=MemoryMigrationBenchmark -Dmemory.bench=true}.
 */
@EnabledIfSystemProperty(named = "memory.bench", matches = "true")
class MemoryMigrationBenchmark {
    private static final long MIB = 1 << 20;
    private static final long[] RATES_MIB = {0, 10, 50, 200};

    @Test
    void downtimeAndTotalTimeOfA256MibVmOverLoopback() throws Exception {
        System.out.println("| link | dirty MiB/s | outcome | rounds | pages sent | final pages | MiB sent | paused sending ms | downtime ms | total s |");
        System.out.println("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (long linkMib : new long[] {0, 100}) {
            for (long rate : RATES_MIB) {
                run(linkMib, rate);
            }
        }
    }

    private static void run(long linkMib, long rateMib) throws Exception {
        SimHypervisor src = SimHypervisor.withoutDisks("src");
        SimHypervisor dst = SimHypervisor.withoutDisks("dst");
        SimVm vm = src.boot("bench", "vda", SimVmOptions.defaults().withMemoryMib(256).withDirtyRate(rateMib * MIB, DirtyPattern.RANDOM, 1));
        Thread.sleep(500);
        try (TestLinks.Link link = TestLinks.loopback()) {
            IncomingVm incoming = dst.prepareDestination(vm.spec());
            CompletableFuture<MemoryReceipt> received = TestLinks.receive(incoming, link.destination());
            OutputStream out = linkMib == 0 ? link.source() : new TestLinks.Throttled(link.source(), linkMib * MIB);
            long t0 = System.nanoTime();
            OutgoingMigration m = src.startMemoryMigration(vm, out, MemoryMigrationSettings.defaults().withPrecopyDeadline(Duration.ofSeconds(10)));
            StopAndCopyResult r = m.stopAndCopy(PauseHook.NONE);
            MemoryReceipt receipt = received.get(60, TimeUnit.SECONDS);
            ResumeResult resumed = incoming.resume(m.handOver(receipt));
            double total = (System.nanoTime() - t0) / 1e9;
            m.destroy();
            System.out.printf("| %s | %d | %s | %d | %d | %d | %.1f | %.1f | %.1f | %.2f |%n",
                    linkMib == 0 ? "loopback" : linkMib + " MiB/s", rateMib, r.precopy().outcome(), r.precopy().rounds(), r.pagesSent(),
                    r.finalPages(), r.bytesSent() / (double) MIB, r.pausedSending().toNanos() / 1e6,
                    resumed.downtime().toNanos() / 1e6, total);
            ((SimVm) dst.find("bench").orElseThrow()).shutdown();
        }
    }
}
