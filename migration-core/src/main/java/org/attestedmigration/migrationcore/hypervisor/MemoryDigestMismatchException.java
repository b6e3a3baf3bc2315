package org.attestedmigration.migrationcore.hypervisor;

/** The memory the destination holds is not the memory the source had at pause. */
public final class MemoryDigestMismatchException extends MigrationStreamException {
    private static final long serialVersionUID = 1L;

    public MemoryDigestMismatchException(String message) {
        super(message);
    }
}
