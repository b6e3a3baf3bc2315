package org.attestedmigration.migrationcore.simvm;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.attestedmigration.migrationcore.hypervisor.HypervisorException;

/**
 * One sim-vm process the agent launched: the JVM it runs in, its log, its control connection.
 * The process gets the agent's own java binary and class path, so it runs exactly this build.
 */
final class GuestProcess implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(GuestProcess.class.getName());
    /** A JVM starting on a busy two-core machine takes seconds; this only bounds a broken one. */
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration STOP = Duration.ofSeconds(15);
    /** Heap beyond guest memory: page hashes, stream buffers, the JVM's own. */
    private static final int HEAP_OVERHEAD_MIB = 192;

    private final String vm;
    private final Process process;
    private final ControlClient control;
    private final Path log;

    private GuestProcess(String vm, Process process, ControlClient control, Path log) {
        this.vm = vm;
        this.process = process;
        this.control = control;
        this.log = log;
    }

    /**
     * Starts the process and connects to its control socket.
     *
     * @param log where its stdout and stderr go (appended)
     * @throws HypervisorException it could not start, exited, or did not open its control socket in time
     */
    static GuestProcess launch(SimVmCommandLine commandLine, Path log) throws HypervisorException, InterruptedException {
        SimVmCommandLine cl = new SimVmCommandLine(commandLine.name(), commandLine.control(), commandLine.diskNbd(),
                commandLine.diskExport(), commandLine.incoming(), OptionalLong.of(ProcessHandle.current().pid()), commandLine.options());
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-Xmx" + (cl.options().memoryMib() + HEAP_OVERHEAD_MIB) + "m",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), SimVmMain.class.getName()));
        cmd.addAll(cl.toArgs());
        Process p;
        try {
            Files.deleteIfExists(cl.control());
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new HypervisorException("the guest process of " + cl.name() + " could not start: " + e.getMessage(), e);
        }
        LOG.info("guest " + cl.name() + ": sim-vm process " + p.pid() + " started, log " + log);
        long deadline = System.nanoTime() + START.toNanos();
        while (true) {
            if (!p.isAlive()) {
                throw new HypervisorException("the guest process of " + cl.name() + " exited with code " + p.exitValue()
                        + " at start (see " + log + ")");
            }
            if (Files.exists(cl.control())) {
                try {
                    return new GuestProcess(cl.name(), p, ControlClient.connect(cl.control(), cl.name()), log);
                } catch (IOException e) {
                    // Bound but not accepting yet, or a stale file: try again until the deadline.
                }
            }
            if (System.nanoTime() - deadline > 0) {
                p.destroyForcibly();
                throw new HypervisorException("the guest process of " + cl.name() + " did not open its control socket within "
                        + START.toSeconds() + " s (see " + log + ")");
            }
            Thread.sleep(25);
        }
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    String vm() {
        return vm;
    }

    ControlClient control() {
        return control;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    /** Waits for the process to exit by itself (after destroy); stops it if it does not. */
    void awaitExit() {
        try {
            if (!process.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warning("guest process " + process.pid() + " of " + vm + " did not exit after destroy; stopping it");
                close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
        }
        control.close();
    }

    /** SIGTERM (the process stops its guest in a shutdown hook), then SIGKILL if it lingers. Idempotent. */
    @Override
    public void close() {
        control.close();
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
