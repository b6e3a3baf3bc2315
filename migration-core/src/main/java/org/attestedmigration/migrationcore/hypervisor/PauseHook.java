package org.attestedmigration.migrationcore.hypervisor;

/**
 * Work that must happen while the guest is paused and before its last pages leave, typically
 * pausing the disk's {@code WriteGate} and flushing the last dirty blocks.
 */
@FunctionalInterface
public interface PauseHook {
    /** Does nothing. */
    PauseHook NONE = () -> { };

    /** The guest is paused. A failure aborts the migration and resumes the guest on the source. */
    void paused() throws Exception;

    /**
     * The guest runs on the source again after {@link #paused()} was called (whether it returned
     * or threw: it may have paused part of what it pauses), because of a failure or an abort:
     * undo what it paused, or the resumed guest would hang on its disk. Must be idempotent.
     */
    default void resumedOnSource() {
    }
}
