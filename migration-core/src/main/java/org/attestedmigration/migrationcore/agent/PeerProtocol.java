package org.attestedmigration.migrationcore.agent;

/**
 * Names used between two agents on an attested session (see {@code docs/agent.md}): requests on
 * the CONTROL stream the source opens, and the metadata of the BYTES stream carrying the disk.
 */
final class PeerProtocol {
    /** {@code {vm, sizeBytes, chunkSize}} → {@code {accepted, host}}: the destination prepares an empty disk. */
    static final String BEGIN = "migration.begin";
    /** {@code {vm, digest}} after a successful switchover → {@code {served, digest, socket}}: the destination takes the VM over. */
    static final String COMPLETE = "migration.complete";
    /** {@code {vm, reason}}: the source gives up before switchover; the destination discards what it received. */
    static final String ABORT = "migration.abort";
    /** BYTES stream metadata key naming the VM whose disk the stream carries. */
    static final String DISK = "disk";

    private PeerProtocol() {
    }
}
