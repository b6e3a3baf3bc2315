package org.attestedmigration.migrationcore.hypervisor;

/**
 * Where a VM is in its life on one host. Fencing rests on these: only {@link #RUNNING} and
 * {@link #MIGRATING} execute guest code, and a VM is in one of them on at most one host.
 *
 * <pre>
 * source:      RUNNING -> MIGRATING -> PAUSED -> HANDED_OVER -> DESTROYED
 *                 ^           |           |
 *                 +-----------+-----------+   abort / failure before handover
 * destination: PREPARED -> RECEIVING -> RECEIVED -> RUNNING
 *                 |           |           |
 *                 +-----------+-----------+-> DESTROYED   abort / failure / destroy
 * </pre>
 */
public enum VmState {
    /** Destination: memory allocated, nothing received yet. */
    PREPARED,
    /** Destination: the memory stream is being applied. */
    RECEIVING,
    /** Destination: the whole stream arrived and its digest matched; waits for the handover token. */
    RECEIVED,
    /** Executing guest code, not migrating. */
    RUNNING,
    /** Source: executing guest code while pre-copy sends its memory. */
    MIGRATING,
    /** Source: stopped for stop-and-copy; may still resume here until it hands over. */
    PAUSED,
    /** Source: gave up the right to run; the destination may resume. Never runs here again. */
    HANDED_OVER,
    /** Gone: memory released. Final. */
    DESTROYED;

    /** True for the states in which the guest executes. */
    public boolean executes() {
        return this == RUNNING || this == MIGRATING;
    }
}
