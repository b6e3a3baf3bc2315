package org.attestedmigration.migrationcore.agent;

import java.util.List;

/**
 * What {@code status} reports about one agent.
 *
 * @param host       this agent's host name in the policy
 * @param listen     where peers reach it
 * @param vms        the VMs it serves (each VM is served by exactly one agent)
 * @param migrations the migrations in flight, either direction
 * @param handshakes the last attested handshakes peers made with it, oldest first (at most 16)
 */
public record AgentStatus(String host, String listen, List<VmStatus> vms, List<MigrationStatus> migrations,
        List<PeerHandshake> handshakes) {
    public AgentStatus {
        vms = List.copyOf(vms);
        migrations = List.copyOf(migrations);
        // An older agent's status has no handshakes.
        handshakes = handshakes == null ? List.of() : List.copyOf(handshakes);
    }
}
