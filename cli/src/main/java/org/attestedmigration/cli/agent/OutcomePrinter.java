package org.attestedmigration.cli.agent;

import java.io.PrintWriter;
import java.util.Locale;
import org.attestedmigration.cli.ExitCode;
import org.attestedmigration.migrationcore.agent.MigrationOutcome;

/** How {@code migrate} and {@code resolve} show a migration's outcome, and the exit code it maps to. */
final class OutcomePrinter {
    private OutcomePrinter() {
    }

    static int exitCode(MigrationOutcome outcome) {
        return switch (outcome.result()) {
            case MIGRATED -> ExitCode.OK;
            case REFUSED -> ExitCode.REJECTED;
            case INVALID -> ExitCode.USAGE;
            case ABORTED -> ExitCode.FAILURE;
            case IN_DOUBT -> MigrateCommand.IN_DOUBT;
        };
    }

    static void print(MigrationOutcome o, PrintWriter out) {
        out.println(o.result() + ": " + o.message());
        o.reasons().forEach(r -> out.println("    " + r));
        if (o.result() == MigrationOutcome.Result.MIGRATED && o.sourceDigest() != null) {
            out.printf(Locale.ROOT, "disk digest: source %s, destination %s (%s)%n", o.sourceDigest(), o.destinationDigest(),
                    o.sourceDigest().equals(o.destinationDigest()) ? "equal" : "DIFFERENT");
            out.printf(Locale.ROOT, "%d MiB sent, writes paused %d ms for the switchover, %d ms in all%n", o.bytesSent() >> 20,
                    o.pausedMillis(), o.totalMillis());
            if (o.memoryBytesSent() > 0) {
                out.printf(Locale.ROOT, "guest memory: %d MiB sent, VM down %d ms (paused here until resumed there)%n",
                        o.memoryBytesSent() >> 20, o.downtimeMillis());
            }
        }
    }
}
