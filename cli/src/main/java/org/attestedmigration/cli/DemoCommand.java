package org.attestedmigration.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.attestedmigration.cli.demo.Demo;
import org.attestedmigration.cli.demo.DemoReport;
import org.attestedmigration.migrationcore.replication.MirrorMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attested-migrate demo}: two emulated hosts attest each other. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Start two emulated hosts (source and destination), each with its own software TPM (swtpm),",
                "local EK certificate authority and emulated Intel TXT launch of tboot, Xen and dom0; enroll them into a",
                "signed policy; show each host's verdict on the other; then run an agent on each and have the source's agent",
                "migrate its simulated VM (memory dirtied, disk written all along) to the destination's over the attested",
                "TLS 1.3 channel, or be refused with the reason. Exit 0 when migrated, 1 when refused, 3 when aborted."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--scenario", defaultValue = "trusted",
            description = "trusted (default) or untrusted-destination (the destination booted a Xen image that is not approved)")
    String scenario;

    @Option(names = "--json", description = "print one JSON object instead of text")
    boolean json;

    @Option(names = "--disk-mib", defaultValue = "1024", description = "size of the simulated VM's disk in MiB (default ${DEFAULT-VALUE})")
    int diskMib;

    @Option(names = "--mode", defaultValue = "sync", description = "mirroring once the bulk copy converged: sync or async (default ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--guest", defaultValue = "in-agent", paramLabel = "in-agent|process",
            description = "where the simulated guest runs: inside each agent, or as an attested-migrate sim-vm process the agents drive (default ${DEFAULT-VALUE})")
    String guest;

    @Option(names = "--work-dir", description = "keep the hosts' TPM state, event logs, policy, disk images and agents' data here (default: a temporary directory, removed)")
    Path workDir;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Demo.Scenario s = switch (scenario) {
            case "trusted" -> Demo.Scenario.TRUSTED;
            case "untrusted-destination" -> Demo.Scenario.UNTRUSTED_DESTINATION;
            default -> throw new UserInputException("unknown scenario '" + scenario + "' (trusted, untrusted-destination)");
        };
        if (diskMib < 1 || diskMib > 65536) {
            throw new UserInputException("--disk-mib must be 1..65536");
        }
        MirrorMode mirror = switch (mode) {
            case "sync" -> MirrorMode.SYNC;
            case "async" -> MirrorMode.ASYNC;
            default -> throw new UserInputException("unknown --mode '" + mode + "' (sync, async)");
        };
        boolean guestProcess = switch (guest) {
            case "in-agent" -> false;
            case "process" -> true;
            default -> throw new UserInputException("unknown --guest '" + guest + "' (in-agent, process)");
        };
        PrintWriter out = spec.commandLine().getOut();
        // With --json, stdout carries only the summary object; progress goes to stderr as JSON lines.
        ProgressPrinter progress = json ? new ProgressPrinter(spec.commandLine().getErr(), true, 500) : new ProgressPrinter(out, false, 250);
        DemoReport.Result result;
        // The demo tells what the agents do; their own log (a refusal is a WARNING) would repeat it on stderr.
        Logger libraries = Logger.getLogger("org.attestedmigration");
        Level before = libraries.getLevel();
        libraries.setLevel(Level.SEVERE);
        try {
            result = new Demo(workDir, json ? line -> { } : out::println, progress, (long) diskMib << 20, mirror, guestProcess).run(s);
        } finally {
            libraries.setLevel(before);
        }
        if (json) {
            out.println(Json.write(result));
        }
        out.flush();
        return switch (result.result()) {
            case "migrated" -> ExitCode.OK;
            case "refused" -> ExitCode.REJECTED;
            default -> ExitCode.FAILURE;
        };
    }
}
