package org.attestedmigration.migrationcore.hypervisor;

import java.io.InputStream;

/**
 * The destination's half of a migration: a VM with memory but no guest execution until the
 * source hands over. Any failure destroys it.
 */
public interface IncomingVm extends Vm {
    /**
     * Reads the memory stream to its end and verifies its digest. PREPARED → RECEIVED.
     *
     * @throws MigrationStreamException the stream was malformed, truncated, for another VM or
     *     epoch, stalled past the idle timeout, or its digest did not match; the VM is destroyed
     * @throws MigrationAbortedException the source aborted; the VM is destroyed
     * @throws VmStateException not PREPARED
     */
    MemoryReceipt receiveMemory(InputStream in) throws HypervisorException;

    /**
     * Starts the guest here. RECEIVED → RUNNING, once.
     *
     * @throws FencingException the token does not open the commitment in the stream
     * @throws VmStateException not RECEIVED (resumed already, destroyed, aborted)
     */
    ResumeResult resume(HandoverToken token) throws HypervisorException;

    /**
     * Gives up the incoming VM and releases its memory. Idempotent.
     *
     * @throws VmStateException it runs here already: stopping a running guest is not this call's job
     */
    void destroy() throws VmStateException;
}
