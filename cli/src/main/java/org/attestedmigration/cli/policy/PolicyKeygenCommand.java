package org.attestedmigration.cli.policy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.attestedmigration.cli.ExitCode;
import org.attestedmigration.cli.UserInputException;
import org.attestedmigration.policy.AdministratorKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code policy keygen}: an administrator signing key pair. */
@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = "Create an Ed25519 administrator key pair: BASE.key (private, mode 600) and BASE.pub (give this to the agents).")
final class PolicyKeygenCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "BASE", description = "path prefix of the two files")
    Path base;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path key = Path.of(base + ".key");
        Path pub = Path.of(base + ".pub");
        if (Files.exists(key) || Files.exists(pub)) {
            throw new UserInputException(key + " or " + pub + " exists; not overwriting a key");
        }
        AdministratorKeys.write(AdministratorKeys.generate(), key, pub);
        spec.commandLine().getOut().println("wrote " + key + " (keep it secret) and " + pub);
        return ExitCode.OK;
    }
}
