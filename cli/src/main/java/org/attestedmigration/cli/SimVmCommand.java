package org.attestedmigration.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.attestedmigration.migrationcore.simvm.SimVmMain;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code attested-migrate sim-vm}: one simulated VM as a process, driven over its control socket.
 * The agent launches these itself for VMs configured with {@code process: true}; by hand it is
 * for trying the control protocol.
 */
@Command(name = "sim-vm", mixinStandardHelpOptions = true,
        description = {"Run a simulated VM as a process: N MiB of memory pages dirtied at a rate, a workload writing its disk "
                + "through an NBD export, a control socket (JSON lines, QMP-shaped) for migrating its memory. "
                + "It ends when destroyed or on SIGTERM (docs/memory-migration.md)."},
        customSynopsis = {"attested-migrate sim-vm --name NAME --control SOCKET (--disk-nbd SOCKET [--disk-export vda] | --incoming)",
                "       [--memory-mib N] [--dirty-rate BYTES_PER_S] [--pattern random|hot:F] [--fill F] [--disk-write-rate N]",
                "       [--disk-write-size B] [--disk-size B] [--seed N] [--parent-pid PID]"},
        footer = {"Exit codes: 0 ended (destroyed or stopped), 2 bad arguments, 3 the VM or its control socket could not be set up."})
public final class SimVmCommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        return SimVmMain.run(args, System.err);
    }
}
