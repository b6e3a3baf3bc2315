package org.attestedmigration.migrationcore.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where an agent keeps its state, one place for every file name:
 * <pre>
 * DATA/policy.serial            last policy serial accepted (rollback protection)
 * DATA/vms/NAME.sock            NBD socket serving VM NAME's disk
 * DATA/vms/NAME.raw             disk of a VM that migrated in (when the config names no path for it)
 * DATA/incoming/NAME.raw        disk being received or parked for a resume, with NAME.journal and
 *                               NAME.source (the sending host; see ParkedDisks)
 * DATA/outgoing/NAME.journal    source journal of a migration in flight
 * DATA/outgoing/NAME.indoubt    a migration whose switchover succeeded but whose end is unknown
 * </pre>
 */
public record DataDirectory(Path root) {
    /** Suffix of an in-doubt record under {@link #outgoing()}. */
    public static final String IN_DOUBT = ".indoubt";

    /** Creates the directories that do not exist yet. */
    public DataDirectory create() throws IOException {
        Files.createDirectories(vms());
        Files.createDirectories(incoming());
        Files.createDirectories(outgoing());
        return this;
    }

    public Path policySerial() {
        return root.resolve("policy.serial");
    }

    public Path vms() {
        return root.resolve("vms");
    }

    public Path incoming() {
        return root.resolve("incoming");
    }

    public Path outgoing() {
        return root.resolve("outgoing");
    }

    public Path socket(String vm) {
        return vms().resolve(vm + ".sock");
    }

    /** Where a VM that migrated in lives unless the configuration names its disk. */
    public Path migratedInDisk(String vm) {
        return vms().resolve(vm + ".raw");
    }

    public Path incomingDisk(String vm) {
        return incoming().resolve(vm + ".raw");
    }

    public Path incomingJournal(String vm) {
        return incoming().resolve(vm + ".journal");
    }

    public Path inDoubt(String vm) {
        return outgoing().resolve(vm + IN_DOUBT);
    }

    public Path outgoingJournal(String vm) {
        return outgoing().resolve(vm + ".journal");
    }
}
