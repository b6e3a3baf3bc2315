package org.attestedmigration.migrationcore.agent;

/**
 * One migration in flight on this agent, for {@code status}.
 *
 * @param vm        the VM
 * @param direction {@code outgoing} (this agent is the source) or {@code incoming}
 * @param peer      the other agent (address for outgoing, attested host name for incoming)
 * @param progress  the latest progress
 * @param started   when it began (ISO-8601, UTC)
 */
public record MigrationStatus(String vm, String direction, String peer, MigrationProgress progress, String started) {
}
