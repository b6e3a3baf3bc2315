package org.attestedmigration.migrationcore.simvm;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;
import org.attestedmigration.migrationcore.hypervisor.HypervisorException;

/**
 * The sim-vm process ({@code attested-migrate sim-vm}, or launched by the agent with its own
 * class path): one simulated VM, driven over its control socket until it is destroyed (handed
 * over, or an incoming VM discarded), SIGTERM, or the end of the agent named by {@code --parent-pid}.
 */
public final class SimVmMain {
    private static final Logger LOG = Logger.getLogger(SimVmMain.class.getName());
    /** Exit code for a bad command line. */
    public static final int USAGE = 2;
    /** Exit code when the VM or its control socket could not be set up. */
    public static final int FAILURE = 3;

    private SimVmMain() {
    }

    public static void main(String[] args) {
        System.exit(run(Arrays.asList(args), System.err));
    }

    /**
     * Runs the VM until it ends.
     *
     * @return 0 once destroyed or told to stop, {@link #USAGE} or {@link #FAILURE} (explained on {@code err})
     */
    public static int run(List<String> args, PrintStream err) {
        SimVmCommandLine cl;
        try {
            cl = SimVmCommandLine.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("sim-vm: " + e.getMessage());
            return USAGE;
        }
        SimVmGuest guest;
        try {
            guest = SimVmGuest.start(cl);
        } catch (HypervisorException | IllegalArgumentException e) {
            err.println("sim-vm: " + e.getMessage());
            return FAILURE;
        }
        CountDownLatch done = new CountDownLatch(1);
        ControlServer server;
        try {
            server = ControlServer.start(cl.control(), guest, done::countDown);
        } catch (IOException e) {
            err.println("sim-vm: control socket " + cl.control() + ": " + e.getMessage());
            guest.stop();
            return FAILURE;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            guest.stop();
        }, "sim-vm-shutdown"));
        // A guest whose agent is gone has nobody to migrate it or serve its disk: it stops too.
        cl.parentPid().ifPresent(pid -> ProcessHandle.of(pid).ifPresentOrElse(h -> h.onExit().thenRun(done::countDown), done::countDown));
        LOG.info("sim-vm " + cl.name() + " (pid " + ProcessHandle.current().pid() + ", " + cl.options().memoryMib() + " MiB"
                + (cl.incoming() ? ", incoming" : ", disk " + cl.diskNbd()) + ") listening on " + cl.control());
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("sim-vm " + cl.name() + " ends (" + guest.state() + ")");
        server.close();
        guest.stop();
        return 0;
    }
}
