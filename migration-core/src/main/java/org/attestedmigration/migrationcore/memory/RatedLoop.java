package org.attestedmigration.migrationcore.memory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.attestedmigration.migrationcore.replication.WriteGate;

/**
 * A guest thread: runs a step {@code perSecond} times a second, in ticks of about a millisecond,
 * each tick inside the VM's gate so that pausing the gate stops the guest between steps.
 */
final class RatedLoop {
    /** After a pause the guest does not catch up on the steps it missed. */
    private static final long MAX_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final Thread thread;
    private final double perSecond;
    private final WriteGate gate;
    private final Runnable step;
    private volatile boolean stopped;

    RatedLoop(String name, double perSecond, WriteGate gate, Runnable step) {
        this.perSecond = perSecond;
        this.gate = gate;
        this.step = step;
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void run() {
        long last = System.nanoTime();
        double credit = 0;
        while (!stopped) {
            try {
                gate.enter(0);
            } catch (InterruptedException e) {
                continue;
            }
            try {
                long now = System.nanoTime();
                credit += Math.min(now - last, MAX_TICK_NANOS) * perSecond / 1e9;
                last = now;
                for (; credit >= 1 && !stopped; credit--) {
                    step.run();
                }
            } finally {
                gate.exit();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /** Stops the thread; waits at most {@code timeout} for it (a step may be blocked in I/O). */
    void stop(Duration timeout) throws InterruptedException {
        stopped = true;
        thread.interrupt();
        thread.join(Math.max(1, timeout.toMillis()));
    }
}
