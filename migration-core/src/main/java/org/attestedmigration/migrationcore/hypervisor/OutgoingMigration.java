package org.attestedmigration.migrationcore.hypervisor;

import java.time.Duration;

/**
 * The source's half of a migration. Pre-copy runs from the moment it starts; the guest keeps
 * running until {@link #stopAndCopy}. Until {@link #handOver} every failure resumes the guest
 * here; after it, the guest can never run here again.
 */
public interface OutgoingMigration {
    Vm vm();

    /**
     * Waits for pre-copy to end (converged, stalled, deadline or round limit).
     *
     * @throws MigrationAbortedException it failed; the guest runs on the source
     * @throws java.util.concurrent.TimeoutException still running after {@code timeout}
     */
    PrecopyResult awaitPrecopy(Duration timeout) throws HypervisorException, java.util.concurrent.TimeoutException, InterruptedException;

    /**
     * Ends pre-copy (waiting for it unless already over), pauses the guest, runs the hook, sends
     * the last dirty pages, the CPU state and the digest, and closes the stream. MIGRATING → PAUSED.
     *
     * @throws MigrationAbortedException anything failed; the guest runs on the source again and
     *     the hook's {@link PauseHook#resumedOnSource()} was called if its {@code paused()} was
     */
    StopAndCopyResult stopAndCopy(PauseHook hook) throws HypervisorException, InterruptedException;

    /**
     * Gives up the right to run the guest here, against the destination's receipt for this
     * migration's epoch and digest. PAUSED → HANDED_OVER.
     *
     * @return the token that lets the destination resume
     * @throws FencingException the receipt is for another VM, epoch or memory; still PAUSED, so
     *     {@link #abort} can resume the guest here
     * @throws VmStateException not PAUSED
     */
    HandoverToken handOver(MemoryReceipt receipt) throws HypervisorException;

    /**
     * Stops the migration and resumes the guest here. Idempotent before handover.
     *
     * @throws FencingException after handover: the destination may already run it
     */
    void abort(String reason) throws FencingException;

    /**
     * Releases the source's copy once handed over. HANDED_OVER → DESTROYED; idempotent.
     *
     * @throws VmStateException not handed over: the only copy may be this one
     */
    void destroy() throws VmStateException;
}
