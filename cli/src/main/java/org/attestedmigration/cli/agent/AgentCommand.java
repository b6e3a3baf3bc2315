package org.attestedmigration.cli.agent;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.attestedmigration.cli.ExitCode;
import org.attestedmigration.cli.UserInputException;
import org.attestedmigration.migrationcore.agent.Agent;
import org.attestedmigration.migrationcore.agent.AgentConfig;
import org.attestedmigration.migrationcore.agent.AgentConfigException;
import org.attestedmigration.migrationcore.agent.AgentConfigReader;
import org.attestedmigration.migrationcore.agent.AgentStartException;
import org.attestedmigration.policy.PolicyAuthority;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code attested-migrate agent --config FILE}: runs this host's agent until it is stopped. */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = {"Run this host's migration agent: serve the configured VMs' disks over NBD, accept migrations from peers",
                "that pass the attested handshake under the signed policy, migrate VMs on request from 'migrate', answer 'status'.",
                "Every verdict is logged. Runs until stopped (SIGTERM, Ctrl-C). The configuration format is in docs/agent.md."})
public final class AgentCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "the agent's YAML configuration")
    Path config;

    @Option(names = "--insecure-accept-unsigned-policy",
            description = "DEVELOPMENT ONLY: load the policy even without a valid administrator signature (logged as a warning)")
    boolean acceptUnsigned;

    @Option(names = "--log-level", defaultValue = "INFO", paramLabel = "LEVEL",
            description = "java.util.logging level of the agent's log on stderr (default ${DEFAULT-VALUE}): verdicts are INFO/WARNING")
    String logLevel;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        AgentConfig cfg;
        try {
            cfg = AgentConfigReader.read(config);
        } catch (AgentConfigException e) {
            throw new UserInputException(e.getMessage(), e);
        }
        logAt(parseLevel(logLevel));
        Set<PolicyAuthority.DevelopmentException> waived = acceptUnsigned
                ? EnumSet.of(PolicyAuthority.DevelopmentException.ACCEPT_UNSIGNED_POLICY)
                : EnumSet.noneOf(PolicyAuthority.DevelopmentException.class);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Agent agent;
        try {
            agent = Agent.start(cfg, waived);
        } catch (AgentStartException e) {
            err.println("error: the agent did not start: " + e.getMessage());
            return ExitCode.FAILURE;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            agent.close();
            stopped.countDown();
        }, "agent-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("agent " + agent.hostName() + " listening on " + agent.listenAddress() + "; admin socket " + agent.adminSocket());
        out.flush();
        stopped.await();
        return ExitCode.OK;
    }

    private static Level parseLevel(String name) {
        try {
            return Level.parse(name.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UserInputException("unknown --log-level '" + name + "' (SEVERE, WARNING, INFO, FINE)");
        }
    }

    /** The CLI logs warnings only; a daemon's log is its record of verdicts, so it logs at the level asked for. */
    private static void logAt(Level level) {
        Logger root = Logger.getLogger("");
        root.setLevel(level);
        for (Handler h : root.getHandlers()) {
            h.setLevel(level);
        }
    }
}
