package org.attestedmigration.migrationcore.hypervisor;

/**
 * Refused because it could let the VM run in two places: the destination resuming without the
 * source's handover token (or with a wrong one), or the source resuming after it handed over.
 * Nothing changed.
 */
public final class FencingException extends VmStateException {
    private static final long serialVersionUID = 1L;

    public FencingException(String vm, VmState state, String reason) {
        super("fencing: VM " + vm + " (" + state + "): " + reason, state);
    }
}
