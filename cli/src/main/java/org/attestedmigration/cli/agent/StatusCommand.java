package org.attestedmigration.cli.agent;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.attestedmigration.cli.ExitCode;
import org.attestedmigration.cli.Json;
import org.attestedmigration.migrationcore.agent.AgentStatus;
import org.attestedmigration.migrationcore.agent.MigrationProgress;
import org.attestedmigration.migrationcore.agent.MigrationStatus;
import org.attestedmigration.migrationcore.agent.PeerHandshake;
import org.attestedmigration.migrationcore.agent.VmStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code attested-migrate status}: the VMs a running agent serves and the migrations in flight. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the VMs the agent serves, its migrations in flight (direction, peer, phase, progress) and the last peer handshakes.")
public final class StatusCommand implements Callable<Integer> {
    @Mixin
    AgentSocketOption agentSocket;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        AgentStatus status = agentSocket.client().status();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(status));
        } else {
            print(status, out);
        }
        out.flush();
        return ExitCode.OK;
    }

    private static void print(AgentStatus s, PrintWriter out) {
        out.println("agent " + s.host() + " listening on " + s.listen());
        out.println(s.vms().isEmpty() ? "no VMs served" : "VMs served:");
        for (VmStatus vm : s.vms()) {
            out.printf(Locale.ROOT, "  %-20s %-10s %8d MiB  %s%s%n", vm.name(), vm.state(), vm.sizeBytes() >> 20,
                    vm.socket() == null ? "not served (run resolve)" : "nbd+unix:///vda?socket=" + vm.socket(),
                    vm.guest() == null ? "" : "  guest " + vm.guest());
        }
        out.println(s.migrations().isEmpty() ? "no migrations in flight" : "migrations in flight:");
        for (MigrationStatus m : s.migrations()) {
            MigrationProgress p = m.progress();
            double percent = p.bytesTotal() > 0 ? 100.0 * p.bytesDone() / p.bytesTotal() : 0;
            out.printf(Locale.ROOT, "  %-20s %-8s %s %-22s %-12s %5.1f%%  %s%n", m.vm(), m.direction(),
                    "outgoing".equals(m.direction()) ? "to  " : "from", m.peer(), p.phase(), percent, p.detail());
        }
        if (!s.handshakes().isEmpty()) {
            out.println("recent handshakes of peers (verdict on the peer / its verdict on us):");
        }
        for (PeerHandshake h : s.handshakes()) {
            out.printf(Locale.ROOT, "  %s  %-20s %-6s / %-6s %s%n", h.at(), h.peer(), orQuestionMark(h.verdict()), orQuestionMark(h.peerVerdict()),
                    h.tls() != null ? h.tls() + ", " + h.handshakeMillis() + " ms" : "ended at " + h.step() + ": " + String.join("; ", h.reasons()));
        }
    }

    private static String orQuestionMark(String verdict) {
        return verdict == null ? "?" : verdict;
    }
}
