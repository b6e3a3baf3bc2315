package org.attestedmigration.migrationcore.agent;

import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.attestedmigration.migrationcore.hypervisor.FencingException;
import org.attestedmigration.migrationcore.hypervisor.HandoverToken;
import org.attestedmigration.migrationcore.hypervisor.HypervisorException;
import org.attestedmigration.migrationcore.hypervisor.MemoryReceipt;
import org.attestedmigration.migrationcore.hypervisor.OutgoingMigration;
import org.attestedmigration.migrationcore.hypervisor.PauseHook;
import org.attestedmigration.migrationcore.hypervisor.PrecopyResult;
import org.attestedmigration.migrationcore.hypervisor.StopAndCopyResult;
import org.attestedmigration.migrationcore.hypervisor.Vm;
import org.attestedmigration.migrationcore.hypervisor.VmStateException;

/**
 * A guest's outgoing memory migration that keeps its figures for the migration's outcome: the
 * stop-and-copy result and the receipt the guest was handed over for. It only delegates; the
 * hypervisor's migration decides everything.
 */
final class RecordedMemoryMigration implements OutgoingMigration {
    private final OutgoingMigration migration;
    private volatile StopAndCopyResult copied;
    private volatile MemoryReceipt handedOverFor;

    RecordedMemoryMigration(OutgoingMigration migration) {
        this.migration = migration;
    }

    /** The figures, once the guest was handed over; empty before (or when it was not). */
    Optional<MemoryReport> report() {
        StopAndCopyResult c = copied;
        MemoryReceipt r = handedOverFor;
        if (c == null || r == null) {
            return Optional.empty();
        }
        PrecopyResult p = c.precopy();
        return Optional.of(new MemoryReport(vm().spec().memoryBytes(), p.rounds(), p.outcome().name(), c.pagesSent(), c.zeroPagesSent(),
                c.bytesSent(), c.pausedSending().toMillis(), HexFormat.of().formatHex(r.digest())));
    }

    @Override
    public Vm vm() {
        return migration.vm();
    }

    @Override
    public PrecopyResult awaitPrecopy(Duration timeout) throws HypervisorException, TimeoutException, InterruptedException {
        return migration.awaitPrecopy(timeout);
    }

    @Override
    public StopAndCopyResult stopAndCopy(PauseHook hook) throws HypervisorException, InterruptedException {
        StopAndCopyResult result = migration.stopAndCopy(hook);
        copied = result;
        return result;
    }

    @Override
    public HandoverToken handOver(MemoryReceipt receipt) throws HypervisorException {
        HandoverToken token = migration.handOver(receipt);
        // Only a receipt whose digest equals the source's memory at the pause gets this far.
        handedOverFor = receipt;
        return token;
    }

    @Override
    public void abort(String reason) throws FencingException {
        migration.abort(reason);
    }

    @Override
    public void destroy() throws VmStateException {
        migration.destroy();
    }
}
