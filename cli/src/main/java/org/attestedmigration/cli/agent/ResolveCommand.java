package org.attestedmigration.cli.agent;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.attestedmigration.cli.Json;
import org.attestedmigration.migrationcore.agent.MigrationOutcome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code attested-migrate resolve}: settles a migration that ended in doubt (exit 4 of {@code migrate}). */
@Command(name = "resolve", mixinStandardHelpOptions = true,
        description = {"Settle a migration that ended in doubt: the source agent asks the destination, on a new attested session,"
                + " whether it runs the VM, then lets the VM go (exit 0) or resumes it here (exit 3).",
                "Exit 4: still in doubt (the destination is unreachable, or the guest was handed over but does not run there)."})
public final class ResolveCommand implements Callable<Integer> {
    @Mixin
    AgentSocketOption agentSocket;

    @Option(names = "--vm", required = true, paramLabel = "NAME", description = "the VM whose migration is in doubt")
    String vm;

    @Option(names = "--json", description = "print the outcome as one JSON object")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        MigrationOutcome outcome = agentSocket.client().resolve(vm);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(outcome));
        } else {
            OutcomePrinter.print(outcome, out);
        }
        out.flush();
        return OutcomePrinter.exitCode(outcome);
    }
}
