package org.attestedmigration.cli.policy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.attestedmigration.cli.ExitCode;
import org.attestedmigration.cli.InputFiles;
import org.attestedmigration.cli.Json;
import org.attestedmigration.policy.Policy;
import org.attestedmigration.policy.PolicyException;
import org.attestedmigration.policy.PolicyLoader;
import org.attestedmigration.policy.PolicyProblem;
import org.attestedmigration.policy.PolicyWarnings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code policy check F}: strict validation with positions, and warnings for useless or dangerous policies. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Validate a policy: every error as file:line:column, then warnings for a policy that can accept",
                "nothing or anything. Exit 0 when valid (even with warnings), 2 when not."})
final class PolicyCheckCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "the policy (YAML or JSON)")
    Path file;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        String text = new String(InputFiles.read(file), StandardCharsets.UTF_8);
        Policy policy;
        try {
            policy = PolicyLoader.parse(text, file.toString());
        } catch (PolicyException e) {
            if (json) {
                ObjectNode n = Json.object().put("valid", false);
                ArrayNode problems = n.putArray("problems");
                for (PolicyProblem p : e.problems()) {
                    problems.addObject().put("file", p.file()).put("line", p.line()).put("column", p.column()).put("message", p.message());
                }
                out.println(Json.write(n));
            } else {
                PrintWriter err = spec.commandLine().getErr();
                e.problems().forEach(p -> err.println(p.file() + ":" + p.line() + ":" + p.column() + ": " + p.message()));
                err.println(file + ": " + e.problems().size() + " error(s)");
            }
            return ExitCode.USAGE;
        }
        List<String> warnings = PolicyWarnings.of(policy);
        if (json) {
            ObjectNode n = Json.object().put("valid", true).put("serial", policy.serial()).put("name", policy.name());
            n.putArray("problems");
            ArrayNode w = n.putArray("warnings");
            warnings.forEach(w::add);
            out.println(Json.write(n));
        } else {
            out.printf("%s: valid policy '%s', serial %d: %d hosts, %d groups, %d migration rules%n", file, policy.name(), policy.serial(),
                    policy.hosts().size(), policy.groups().size(), policy.migrations().size());
            warnings.forEach(w -> out.println("warning: " + w));
        }
        return ExitCode.OK;
    }
}
