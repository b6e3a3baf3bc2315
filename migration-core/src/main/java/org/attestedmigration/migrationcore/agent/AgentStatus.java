package org.attestedmigration.migrationcore.agent;

import java.util.List;

/**
 * What {@code status} reports about one agent.
 *
 * @param host       this agent's host name in the policy
 * @param listen     where peers reach it
 * @param vms        the VMs it serves (each VM is served by exactly one agent)
 * @param migrations the migrations in flight, either direction
 */
public record AgentStatus(String host, String listen, List<VmStatus> vms, List<MigrationStatus> migrations) {
    public AgentStatus {
        vms = List.copyOf(vms);
        migrations = List.copyOf(migrations);
    }
}
