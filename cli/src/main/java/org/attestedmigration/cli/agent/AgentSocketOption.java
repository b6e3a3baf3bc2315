package org.attestedmigration.cli.agent;

import java.nio.file.Files;
import java.nio.file.Path;
import org.attestedmigration.cli.UserInputException;
import org.attestedmigration.migrationcore.agent.AdminClient;
import picocli.CommandLine.Option;

/** The {@code --agent-socket} option shared by the commands that talk to a running agent. */
final class AgentSocketOption {
    @Option(names = "--agent-socket", required = true, paramLabel = "PATH",
            description = "the agent's admin socket (adminSocket in its configuration; default DATA/admin.sock)")
    Path socket;

    /** A client for the socket; a path with nothing there is the user's mistake, not a failure. */
    AdminClient client() {
        if (!Files.exists(socket)) {
            throw new UserInputException("no agent socket at " + socket + " (is the agent running? see adminSocket in its configuration)");
        }
        return new AdminClient(socket);
    }
}
