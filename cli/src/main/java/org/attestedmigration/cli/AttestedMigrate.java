package org.attestedmigration.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import org.attestedmigration.attestation.AttestationException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code attested-migrate} command. */
@Command(name = "attested-migrate",
        mixinStandardHelpOptions = true,
        version = "attested-migrate 0.1.0",
        description = "Live-migrates VMs with their local disks between hosts that first prove to each other, "
                + "with TPM 2.0 quotes of an Intel TXT measured launch, what software they run.",
        subcommands = {TpmCommand.class, org.attestedmigration.cli.policy.PolicyCommand.class, DemoCommand.class, BenchCommand.class,
                org.attestedmigration.cli.agent.AgentCommand.class, org.attestedmigration.cli.agent.MigrateCommand.class, org.attestedmigration.cli.agent.ResolveCommand.class,
                org.attestedmigration.cli.agent.StatusCommand.class, SimVmCommand.class,
                CommandLine.HelpCommand.class})
public final class AttestedMigrate implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        quietLogging();
        System.exit(execute(args));
    }

    /**
     * The libraries log progress at INFO through java.util.logging; a command prints what the
     * user asked for, so only warnings go to stderr unless ATTESTED_MIGRATE_LOG names a level.
     */
    private static void quietLogging() {
        String wanted = System.getenv("ATTESTED_MIGRATE_LOG");
        java.util.logging.Level level;
        try {
            level = wanted == null ? java.util.logging.Level.WARNING : java.util.logging.Level.parse(wanted.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            level = java.util.logging.Level.WARNING;
        }
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.setLevel(level);
        for (java.util.logging.Handler h : root.getHandlers()) {
            h.setLevel(level);
        }
    }

    /** Runs the command line and returns its exit code; the tests call this. */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new AttestedMigrate());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler(AttestedMigrate::handle);
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("error: " + ex.getMessage());
            err.println("try: " + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help");
            return ExitCode.USAGE;
        });
        return cl;
    }

    private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        if (e instanceof RejectedException) {
            err.println("REJECTED: " + e.getMessage());
            return ExitCode.REJECTED;
        }
        if (e instanceof UserInputException || e instanceof IllegalArgumentException) {
            err.println("error: " + e.getMessage());
            return ExitCode.USAGE;
        }
        if (e instanceof AttestationException || e instanceof IOException || e instanceof UncheckedIOException) {
            err.println("error: " + e.getMessage());
            return ExitCode.FAILURE;
        }
        err.println("internal error (a bug in attested-migrate; please report it):");
        e.printStackTrace(err);
        return ExitCode.INTERNAL;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
