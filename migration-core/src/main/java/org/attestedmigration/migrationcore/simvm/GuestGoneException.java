package org.attestedmigration.migrationcore.simvm;

import org.attestedmigration.migrationcore.hypervisor.HypervisorException;

/** The guest process ended (or closed its control socket): its VM is gone, whatever state it was in. */
public final class GuestGoneException extends HypervisorException {
    private static final long serialVersionUID = 1L;

    GuestGoneException(String message, Throwable cause) {
        super(message, cause);
    }
}
