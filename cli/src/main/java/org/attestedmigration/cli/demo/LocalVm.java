package org.attestedmigration.cli.demo;

import java.nio.file.Path;
import java.util.Objects;
import org.attestedmigration.migrationcore.agent.SimulatedVmSettings;

/**
 * A VM an agent of {@link LocalHosts} serves: its disk image and, optionally, the simulated guest
 * the agent runs for it (the agent configuration's {@code vms.NAME.simulated}).
 *
 * @param simulated the guest, or null for a VM that is a disk only
 */
public record LocalVm(String name, Path disk, SimulatedVmSettings simulated) {
    public LocalVm {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(disk, "disk");
    }
}
