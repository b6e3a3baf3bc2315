package org.attestedmigration.migrationcore.agent;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.attestedmigration.attestation.TpmUri;

/**
 * What one host's agent needs: who it is, its TPM and launch event log, the administrator's
 * policy and keys, where it keeps state, where it listens, and the VMs whose disks it serves.
 * Read from YAML by {@link AgentConfigReader}; the format is in {@code docs/agent.md}.
 *
 * @param hostName           this host's name in the policy
 * @param tpm                this host's TPM
 * @param eventLog           the TCG event log of this host's measured launch
 * @param policy             the administrator's policy; its signature is {@code policy + ".sig"}
 * @param administratorKeys  public keys whose signature on the policy this agent accepts
 * @param dataDirectory      state: policy serial, served sockets, incoming and migrated disks
 * @param listen             where peer agents connect (attested TLS)
 * @param adminSocket        the unix domain socket of the local admin API
 * @param vms                VM name to its raw disk image
 * @param simulated          VMs (a subset of {@code vms}) whose guest this agent simulates, with memory to migrate
 * @param keepMigratedCopies how long the copy of a disk whose VM migrated away is kept; empty: until an operator removes it
 */
public record AgentConfig(String hostName, TpmUri tpm, Path eventLog, Path policy, List<Path> administratorKeys, Path dataDirectory,
        HostPort listen, Path adminSocket, Map<String, Path> vms, Map<String, SimulatedVmSettings> simulated,
        java.util.Optional<java.time.Duration> keepMigratedCopies) {
    /** A configuration without simulated guests: every VM is a disk only. */
    public AgentConfig(String hostName, TpmUri tpm, Path eventLog, Path policy, List<Path> administratorKeys, Path dataDirectory,
            HostPort listen, Path adminSocket, Map<String, Path> vms) {
        this(hostName, tpm, eventLog, policy, administratorKeys, dataDirectory, listen, adminSocket, vms, Map.of());
    }

    /** A configuration that keeps migrated copies until an operator removes them. */
    public AgentConfig(String hostName, TpmUri tpm, Path eventLog, Path policy, List<Path> administratorKeys, Path dataDirectory,
            HostPort listen, Path adminSocket, Map<String, Path> vms, Map<String, SimulatedVmSettings> simulated) {
        this(hostName, tpm, eventLog, policy, administratorKeys, dataDirectory, listen, adminSocket, vms, simulated,
                java.util.Optional.empty());
    }

    public AgentConfig {
        Objects.requireNonNull(hostName, "hostName");
        Objects.requireNonNull(tpm, "tpm");
        Objects.requireNonNull(eventLog, "eventLog");
        Objects.requireNonNull(policy, "policy");
        administratorKeys = List.copyOf(administratorKeys);
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(adminSocket, "adminSocket");
        // Sorted so that status output and start-up order are stable.
        vms = java.util.Collections.unmodifiableMap(new TreeMap<>(vms));
        simulated = Map.copyOf(simulated);
        Objects.requireNonNull(keepMigratedCopies, "keepMigratedCopies");
        if (!vms.keySet().containsAll(simulated.keySet())) {
            throw new IllegalArgumentException("a simulated VM needs a disk in vms");
        }
    }

    /** The admin socket used when the file names none. */
    public static Path defaultAdminSocket(Path dataDirectory) {
        return dataDirectory.resolve("admin.sock");
    }
}
