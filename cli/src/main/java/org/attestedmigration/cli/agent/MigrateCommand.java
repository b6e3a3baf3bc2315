package org.attestedmigration.cli.agent;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.attestedmigration.cli.Json;
import org.attestedmigration.cli.ProgressPrinter;
import org.attestedmigration.cli.UserInputException;
import org.attestedmigration.migrationcore.agent.AdminClient;
import org.attestedmigration.migrationcore.agent.HostPort;
import org.attestedmigration.migrationcore.agent.MigrationOutcome;
import org.attestedmigration.migrationcore.agent.MigrationRequest;
import org.attestedmigration.migrationcore.replication.MirrorMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code attested-migrate migrate}: asks the local agent to migrate a VM to another agent and shows its progress. */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = {"Migrate a VM, with its disk, from the agent on this host to the agent at HOST:PORT. Both agents attest",
                "each other first; nothing of the VM is sent unless both verdicts accept.",
                "Exit 0 migrated; 1 refused by attestation (reasons printed); 2 wrong arguments or unknown VM;",
                "3 aborted and rolled back (the VM still runs here, unchanged); 4 in doubt (switchover done, the",
                "destination's answer lost: the VM is paused here)."})
public final class MigrateCommand implements Callable<Integer> {
    /** Switchover happened but the destination's answer was lost; neither migrated nor rolled back. */
    public static final int IN_DOUBT = 4;

    @Mixin
    AgentSocketOption agentSocket;

    @Option(names = "--vm", required = true, paramLabel = "NAME", description = "the VM to migrate")
    String vm;

    @Option(names = "--to", required = true, paramLabel = "HOST:PORT", description = "the destination agent's listen address")
    String to;

    @Option(names = "--mode", defaultValue = "sync", paramLabel = "sync|async",
            description = "mirroring once the bulk copy converged (default ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--max-bandwidth", defaultValue = "0", paramLabel = "BYTES_PER_S",
            description = "cap on the disk stream, bytes per second, suffix k/M/G allowed; 0 = no cap (default)")
    String maxBandwidth;

    @Option(names = "--retries", defaultValue = "" + MigrationRequest.DEFAULT_RETRIES, paramLabel = "N",
            description = "times a connection lost before the switchover is re-attested and resumed (default ${DEFAULT-VALUE}, 0..20)")
    int retries;

    @Option(names = "--json", description = "JSON lines on stdout: progress objects, then the outcome")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        MigrationRequest request = request();
        AdminClient client = agentSocket.client();
        PrintWriter out = spec.commandLine().getOut();
        ProgressPrinter progress = new ProgressPrinter(out, json, json ? 500 : 250);
        MigrationOutcome outcome = client.migrate(request, p -> progress.update(vm, p.phase(), p.bytesDone(), p.bytesTotal(),
                p.bytesPerSecond(), p.detail()));
        progress.finish();
        if (json) {
            out.println(Json.write(outcome));
        } else {
            OutcomePrinter.print(outcome, out);
        }
        out.flush();
        return OutcomePrinter.exitCode(outcome);
    }

    private MigrationRequest request() {
        HostPort destination;
        try {
            destination = HostPort.parse(to);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--to: " + e.getMessage());
        }
        MirrorMode mirror = switch (mode.toLowerCase(Locale.ROOT)) {
            case "sync" -> MirrorMode.SYNC;
            case "async" -> MirrorMode.ASYNC;
            default -> throw new UserInputException("unknown --mode '" + mode + "' (sync, async)");
        };
        if (retries < 0 || retries > MigrationRequest.MAX_RETRIES) {
            throw new UserInputException("--retries must be between 0 and " + MigrationRequest.MAX_RETRIES + ", not " + retries);
        }
        return new MigrationRequest(vm, destination, mirror, Bandwidth.parse(maxBandwidth), retries);
    }
}
