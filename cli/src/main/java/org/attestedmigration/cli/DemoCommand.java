package org.attestedmigration.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.attestedmigration.cli.demo.Demo;
import org.attestedmigration.migrationcore.replication.MirrorMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attested-migrate demo}: two emulated hosts attest each other. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Start two emulated hosts (source and destination), each with its own software TPM (swtpm),",
                "local EK certificate authority and emulated Intel TXT launch of tboot, Xen and dom0; enroll them into a",
                "signed policy; let them attest each other; then open the attested TLS 1.3 channel and migrate the",
                "simulated VM's disk (served over NBD, written to all along) through it, or be refused with the reason.",
                "Exit 0 when migrated, 1 when refused."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--scenario", defaultValue = "trusted",
            description = "trusted (default) or untrusted-destination (the destination booted a Xen image that is not approved)")
    String scenario;

    @Option(names = "--json", description = "print one JSON object instead of text")
    boolean json;

    @Option(names = "--disk-mib", defaultValue = "256", description = "size of the simulated VM's disk in MiB (default ${DEFAULT-VALUE})")
    int diskMib;

    @Option(names = "--mode", defaultValue = "sync", description = "mirroring once the bulk copy converged: sync or async (default ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--work-dir", description = "keep the hosts' TPM state and event logs here (default: a temporary directory, removed)")
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
        boolean temporary = workDir == null;
        Path dir = temporary ? Files.createTempDirectory("attested-migrate-demo") : Files.createDirectories(workDir);
        PrintWriter out = spec.commandLine().getOut();
        try {
            if (diskMib < 1 || diskMib > 65536) {
                throw new UserInputException("--disk-mib must be 1..65536");
            }
            MirrorMode mirror = switch (mode) {
                case "sync" -> MirrorMode.SYNC;
                case "async" -> MirrorMode.ASYNC;
                default -> throw new UserInputException("unknown --mode '" + mode + "' (sync, async)");
            };
            // With --json, stdout carries only the summary object; progress goes to stderr as JSON lines.
            ProgressPrinter progress = json ? new ProgressPrinter(spec.commandLine().getErr(), true, 500) : new ProgressPrinter(out, false, 250);
            Demo.Result result = new Demo(dir, json ? line -> { } : out::println, progress, (long) diskMib << 20, mirror).run(s);
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                ObjectNode node = mapper.valueToTree(result);
                out.println(mapper.writeValueAsString(node));
            }
            out.flush();
            return result.accepted() ? ExitCode.OK : ExitCode.REJECTED;
        } finally {
            if (temporary) {
                deleteTree(dir);
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
