package org.attestedmigration.migrationcore.simvm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import org.attestedmigration.migrationcore.memory.SimVmOptions;

/**
 * The command line of {@code attested-migrate sim-vm}, both ways: {@link #parse} for the process,
 * {@link #toArgs} for the agent that launches it.
 *
 * <pre>
 * sim-vm --name NAME --control SOCKET (--disk-nbd SOCKET [--disk-export vda] | --incoming)
 *        [--parent-pid PID] [SimVmOptions: --memory-mib N --dirty-rate R --pattern P --fill F
 *        --disk-write-rate N --disk-write-size B --disk-size B --seed N]
 * </pre>
 *
 * @param diskNbd the NBD socket of the guest's disk; null for an incoming VM, which learns it at resume
 * @param parentPid the process exits when this one ends (the agent that launched it), if given
 * @param options what the guest does; for an incoming VM only its memory size counts (the rest arrives with the CPU state)
 */
public record SimVmCommandLine(String name, Path control, Path diskNbd, String diskExport, boolean incoming, OptionalLong parentPid,
                               SimVmOptions options) {
    /** The agent's export name, as QEMU's {@code nbd+unix:///vda?socket=...} names it. */
    public static final String DEFAULT_EXPORT = "vda";

    public SimVmCommandLine {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(control, "control");
        Objects.requireNonNull(diskExport, "diskExport");
        Objects.requireNonNull(parentPid, "parentPid");
        Objects.requireNonNull(options, "options");
        if (incoming == (diskNbd != null)) {
            throw new IllegalArgumentException("give either --disk-nbd SOCKET (a guest that boots) or --incoming (a guest that migrates in)");
        }
    }

    /**
     * @throws IllegalArgumentException a missing, unknown or malformed option, named
     */
    public static SimVmCommandLine parse(List<String> args) {
        String name = null;
        Path control = null;
        Path disk = null;
        String export = DEFAULT_EXPORT;
        boolean incoming = false;
        OptionalLong parent = OptionalLong.empty();
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--incoming")) {
                incoming = true;
                continue;
            }
            boolean ours = List.of("--name", "--control", "--disk-nbd", "--disk-export", "--parent-pid").contains(a);
            if (!ours) {
                rest.add(a);
                continue;
            }
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args.get(++i);
            switch (a) {
                case "--name" -> name = v;
                case "--control" -> control = Path.of(v);
                case "--disk-nbd" -> disk = Path.of(v);
                case "--disk-export" -> export = v;
                default -> parent = OptionalLong.of(pid(v));
            }
        }
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("--name NAME is required");
        }
        if (control == null) {
            throw new IllegalArgumentException("--control SOCKET is required");
        }
        return new SimVmCommandLine(name, control, disk, export, incoming, parent, SimVmOptions.parse(rest));
    }

    private static long pid(String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--parent-pid " + v + ": not a process id");
        }
    }

    /** The arguments that {@link #parse} reads back into this command line. */
    public List<String> toArgs() {
        List<String> args = new ArrayList<>(List.of("--name", name, "--control", control.toString()));
        if (incoming) {
            args.add("--incoming");
        } else {
            args.addAll(List.of("--disk-nbd", diskNbd.toString(), "--disk-export", diskExport));
        }
        parentPid.ifPresent(p -> args.addAll(List.of("--parent-pid", Long.toString(p))));
        SimVmOptions o = options;
        args.addAll(List.of("--memory-mib", Integer.toString(o.memoryMib()), "--dirty-rate", Long.toString(o.dirtyBytesPerSecond()),
                "--pattern", o.pattern() == org.attestedmigration.migrationcore.memory.DirtyPattern.RANDOM ? "random" : "hot:" + o.hotSetFraction(),
                "--fill", Double.toString(o.initialFill()), "--disk-write-rate", Long.toString(o.diskWritesPerSecond()),
                "--disk-write-size", Integer.toString(o.diskWriteBytes()), "--disk-size", Long.toString(o.diskSizeBytes()),
                "--seed", Long.toString(o.seed())));
        return args;
    }
}
