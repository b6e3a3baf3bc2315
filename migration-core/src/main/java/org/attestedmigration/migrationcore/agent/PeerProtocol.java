package org.attestedmigration.migrationcore.agent;

/**
 * Names used between two agents on an attested session (see {@code docs/agent.md}): requests on
 * the CONTROL stream the source opens, and the metadata of the BYTES stream carrying the disk.
 */
final class PeerProtocol {
    /**
     * {@code {vm, sizeBytes, chunkSize[, memoryMib]}} → {@code {accepted, host}}: the destination prepares an empty disk,
     * and for a VM with a guest ({@code memoryMib}) an empty guest that receives its memory.
     */
    static final String BEGIN = "migration.begin";
    /**
     * {@code {vm, digest}} after a successful switchover → {@code {served, digest, socket[, receipt]}}: the destination
     * serves the disk; for a VM with a guest it first waits for the whole memory and answers with its receipt
     * ({@code MemoryReceipt}, base64), but does not run the guest yet.
     */
    static final String COMPLETE = "migration.complete";
    /**
     * {@code {vm, token}} after {@link #COMPLETE} for a VM with a guest: the source gave up the guest against the
     * receipt and sends its {@code HandoverToken} (base64) → {@code {resumed, epoch, downtimeMillis}}: the guest runs
     * at the destination. Without a token that opens the memory stream's commitment it never runs there.
     */
    static final String HANDOVER = "migration.handover";
    /** {@code {vm, reason}}: the source gives up before switchover; the destination discards what it received. */
    static final String ABORT = "migration.abort";
    /**
     * {@code {vm}} → {@code {serves, guest}}: whether the destination serves the VM's disk and the state of its guest
     * there (null for none). A source whose migration is in doubt asks it on a new attested session.
     */
    static final String QUERY = "migration.query";
    /**
     * {@code {vm}} → {@code {released}}: the destination stops serving a VM whose guest never ran there and parks its
     * disk for this source, so that the source can resume the guest it still holds.
     */
    static final String RELEASE = "migration.release";
    /** BYTES stream metadata key naming the VM whose disk the stream carries. */
    static final String DISK = "disk";
    /** BYTES stream metadata key naming the VM whose memory the stream carries. */
    static final String MEMORY = "memory";

    private PeerProtocol() {
    }
}
