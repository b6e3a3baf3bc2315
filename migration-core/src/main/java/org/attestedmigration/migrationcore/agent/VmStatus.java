package org.attestedmigration.migrationcore.agent;

/**
 * A VM this agent serves, for {@code status}.
 *
 * @param name   the VM
 * @param state  {@code running}, {@code migrating} while an outgoing migration runs, or {@code in-doubt} after a
 *               switchover whose end is unknown (see {@code resolve}); an in-doubt VM a restart left unserved has no socket
 * @param disk   its raw image
 * @param socket the NBD socket its disk is served on
 * @param sizeBytes the disk's size
 * @param guest  the state of the simulated guest this agent runs for the VM ({@code running}, {@code paused}, ...),
 *               or null for a VM that is a disk only here
 * @param guestDiskWrites the disk writes that guest completed since it booted, across migrations (a throughput
 *               counter for benchmarks), or null for a VM without a guest here
 */
public record VmStatus(String name, String state, String disk, String socket, long sizeBytes, String guest, Long guestDiskWrites) {
    public static final String IN_DOUBT = "in-doubt";
}
