package org.attestedmigration.migrationcore.agent;

import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;
import org.attestedmigration.migrationcore.hypervisor.HypervisorException;
import org.attestedmigration.migrationcore.hypervisor.MemoryReceipt;
import org.attestedmigration.migrationcore.hypervisor.OutgoingMigration;
import org.attestedmigration.migrationcore.hypervisor.PauseHook;
import org.attestedmigration.migrationcore.hypervisor.StopAndCopyResult;
import org.attestedmigration.migrationcore.hypervisor.Vm;
import org.attestedmigration.migrationcore.replication.EmbeddedReplicator;
import org.attestedmigration.migrationcore.replication.ReplicationWriteHook;
import org.attestedmigration.migrationcore.replication.SwitchoverResult;
import org.attestedmigration.securechannel.mux.MuxStream;

/**
 * The source's side of a guest's memory, once its disk has converged: pre-copy while the disk
 * mirrors, then the disk's switchover inside the guest's pause so that the guest never runs
 * against a disk the destination has not got, then the handover token against the receipt.
 */
final class OutgoingGuest {
    private static final Logger LOG = Logger.getLogger(OutgoingGuest.class.getName());
    /** Pre-copy itself stops at its 30 s deadline; this only bounds a stuck stream. */
    private static final Duration PRECOPY = Duration.ofSeconds(90);

    private final OutgoingMigration memory;
    private StopAndCopyResult copied;

    private OutgoingGuest(OutgoingMigration memory) {
        this.memory = memory;
    }

    /** Starts pre-copy of {@code guest} on {@code stream}. */
    static OutgoingGuest start(SimulatedGuests guests, Vm guest, MuxStream stream) throws HypervisorException {
        return new OutgoingGuest(guests.startMemoryMigration(guest, stream.outputStream()));
    }

    /**
     * Waits for pre-copy, pauses the guest, switches the disk over while it is paused and sends
     * the last pages. On failure the guest runs here again, with its disk writes let through.
     *
     * @return the disk's switchover
     */
    SwitchoverResult stopAndCopy(EmbeddedReplicator replicator, ReplicationWriteHook hook) throws HypervisorException,
            InterruptedException, TimeoutException {
        memory.awaitPrecopy(PRECOPY);
        SwitchoverResult[] disk = new SwitchoverResult[1];
        copied = memory.stopAndCopy(new PauseHook() {
            @Override
            public void paused() throws Exception {
                disk[0] = replicator.switchover();
            }

            @Override
            public void resumedOnSource() {
                // The switchover leaves the disk's writes paused; a guest resumed here needs them.
                hook.gate().resume();
            }
        });
        return disk[0];
    }

    /** Memory bytes written to the stream, pre-copy and stop-and-copy; 0 before stop-and-copy ended. */
    long bytesSent() {
        return copied == null ? 0 : copied.bytesSent();
    }

    /**
     * Gives up the guest here against the destination's receipt (base64).
     *
     * @return the handover token, base64
     * @throws HypervisorException the receipt is not for this guest's memory; the guest stays paused here
     */
    String handOver(String receipt) throws HypervisorException {
        MemoryReceipt r;
        try {
            r = MemoryReceipt.decode(Base64.getDecoder().decode(receipt));
        } catch (IllegalArgumentException e) {
            throw new HypervisorException("the destination's memory receipt is malformed: " + e.getMessage(), e);
        }
        return Base64.getEncoder().encodeToString(memory.handOver(r).encode());
    }

    /** Resumes the guest here: only valid before {@link #handOver}. */
    void abort(String reason) {
        try {
            memory.abort(reason);
        } catch (HypervisorException e) {
            LOG.warning("the guest could not resume here: " + e.getMessage());
        }
    }

    /** Releases this host's copy of a guest that was handed over. */
    void destroy() {
        try {
            memory.destroy();
        } catch (HypervisorException e) {
            LOG.warning("the handed-over guest could not be released: " + e.getMessage());
        }
    }
}
