package org.attestedmigration.migrationcore.hypervisor;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The state of one VM on one host, changed only along the edges drawn in {@link VmState}. Adapters
 * route every change through here so that no adapter bug can resume a VM that handed over.
 * Thread-safe.
 */
public final class VmLifecycle {
    private static final Map<VmState, Set<VmState>> EDGES = new EnumMap<>(VmState.class);

    static {
        EDGES.put(VmState.PREPARED, EnumSet.of(VmState.RECEIVING, VmState.DESTROYED));
        EDGES.put(VmState.RECEIVING, EnumSet.of(VmState.RECEIVED, VmState.DESTROYED));
        EDGES.put(VmState.RECEIVED, EnumSet.of(VmState.RUNNING, VmState.DESTROYED));
        EDGES.put(VmState.RUNNING, EnumSet.of(VmState.MIGRATING, VmState.DESTROYED));
        EDGES.put(VmState.MIGRATING, EnumSet.of(VmState.RUNNING, VmState.PAUSED));
        EDGES.put(VmState.PAUSED, EnumSet.of(VmState.RUNNING, VmState.HANDED_OVER));
        EDGES.put(VmState.HANDED_OVER, EnumSet.of(VmState.DESTROYED));
        EDGES.put(VmState.DESTROYED, EnumSet.noneOf(VmState.class));
    }

    private final String vm;
    private VmState state;

    public VmLifecycle(String vm, VmState initial) {
        this.vm = Objects.requireNonNull(vm, "vm");
        this.state = Objects.requireNonNull(initial, "initial");
    }

    public synchronized VmState state() {
        return state;
    }

    /**
     * Moves from {@code expected} to {@code next}.
     *
     * @throws FencingException if the VM handed over and {@code next} would run it
     * @throws VmStateException if the VM is not in {@code expected}, or the edge does not exist
     */
    public synchronized void move(VmState expected, VmState next, String operation) throws VmStateException {
        if (state != expected || !EDGES.get(state).contains(next)) {
            if (next.executes() && state == VmState.HANDED_OVER) {
                throw new FencingException(vm, state, "it handed over to the destination and can never " + operation);
            }
            throw new VmStateException(vm, state, operation);
        }
        state = next;
        notifyAll();
    }

    /**
     * Moves to {@code next} if the current state has that edge; used for failure paths, which must
     * not throw. {@code next} must not execute the guest.
     *
     * @return the state before
     */
    public synchronized VmState moveIfAllowed(VmState next) {
        if (next.executes()) {
            throw new IllegalArgumentException("a failure path never starts the guest: " + next);
        }
        VmState before = state;
        if (EDGES.get(state).contains(next)) {
            state = next;
            notifyAll();
        }
        return before;
    }

    @Override
    public synchronized String toString() {
        return vm + ":" + state;
    }
}
