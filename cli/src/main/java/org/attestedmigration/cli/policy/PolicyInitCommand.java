package org.attestedmigration.cli.policy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.attestedmigration.cli.ExitCode;
import org.attestedmigration.cli.UserInputException;
import org.attestedmigration.policy.PolicyWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code policy init}: a commented starter policy. */
@Command(name = "init", mixinStandardHelpOptions = true, description = "Write a commented starter policy (to stdout, or to --out).")
final class PolicyInitCommand implements Callable<Integer> {
    @Option(names = "--out", description = "file to create; refuses to overwrite an existing one")
    Path out;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String text = PolicyWriter.starterPolicy();
        if (out == null) {
            spec.commandLine().getOut().print(text);
            return ExitCode.OK;
        }
        if (Files.exists(out)) {
            throw new UserInputException(out + " exists; not overwriting a policy (remove it first)");
        }
        Files.writeString(out, text);
        spec.commandLine().getOut().println("wrote a starter policy to " + out + "; next: policy enroll, policy check, policy sign");
        return ExitCode.OK;
    }
}
