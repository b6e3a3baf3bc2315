package org.attestedmigration.migrationcore.simvm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.TimeoutException;
import org.attestedmigration.migrationcore.hypervisor.FencingException;
import org.attestedmigration.migrationcore.hypervisor.HypervisorException;
import org.attestedmigration.migrationcore.hypervisor.MemoryDigestMismatchException;
import org.attestedmigration.migrationcore.hypervisor.MigrationAbortedException;
import org.attestedmigration.migrationcore.hypervisor.MigrationStreamException;
import org.attestedmigration.migrationcore.hypervisor.VmState;
import org.attestedmigration.migrationcore.hypervisor.VmStateException;

/**
 * The typed errors of the control protocol, both ways: the process turns the hypervisor's
 * exceptions into {@code {"class","desc","state"}}, the agent turns them back into the same
 * exception types, so callers of the process adapter see what callers of the in-process one see.
 */
final class ControlError {
    static final String COMMAND_NOT_FOUND = "CommandNotFound";
    static final String MALFORMED = "MalformedRequest";
    static final String INVALID_ARGUMENT = "InvalidArgument";
    static final String BUSY = "Busy";
    static final String VM_STATE = "VmState";
    static final String FENCING = "Fencing";
    static final String STREAM = "MigrationStream";
    static final String DIGEST_MISMATCH = "MemoryDigestMismatch";
    static final String ABORTED = "MigrationAborted";
    static final String HYPERVISOR = "Hypervisor";
    static final String TIMEOUT = "Timeout";
    static final String GENERIC = "GenericError";

    private ControlError() {
    }

    /** The error object for {@code e}. */
    static ObjectNode of(Throwable e) {
        ObjectNode error = ControlProtocol.JSON.createObjectNode();
        error.put("class", classOf(e));
        error.put("desc", String.valueOf(e.getMessage()));
        if (e instanceof VmStateException s) {
            error.put("state", s.state().name());
        }
        return error;
    }

    static ObjectNode of(String errorClass, String desc) {
        ObjectNode error = ControlProtocol.JSON.createObjectNode();
        error.put("class", errorClass);
        error.put("desc", desc);
        return error;
    }

    private static String classOf(Throwable e) {
        if (e instanceof FencingException) {
            return FENCING;
        }
        if (e instanceof VmStateException) {
            return VM_STATE;
        }
        if (e instanceof MemoryDigestMismatchException) {
            return DIGEST_MISMATCH;
        }
        if (e instanceof MigrationStreamException) {
            return STREAM;
        }
        if (e instanceof MigrationAbortedException) {
            return ABORTED;
        }
        if (e instanceof HypervisorException) {
            return HYPERVISOR;
        }
        if (e instanceof TimeoutException) {
            return TIMEOUT;
        }
        if (e instanceof IllegalArgumentException) {
            return INVALID_ARGUMENT;
        }
        return GENERIC;
    }

    /**
     * The exception the process reported, as the in-process adapter would have thrown it. A
     * {@code Timeout} is the caller's to handle and arrives here as a {@link HypervisorException}.
     */
    static HypervisorException toException(String vm, JsonNode error) {
        String cls = error.path("class").asText(GENERIC);
        String desc = error.path("desc").asText("");
        VmState state = state(error);
        return switch (cls) {
            case FENCING -> new FencingException(vm, state, reasonOf(desc));
            case VM_STATE -> new RemoteStateException(desc, state);
            case DIGEST_MISMATCH -> new MemoryDigestMismatchException(desc);
            case STREAM -> new MigrationStreamException(desc);
            case ABORTED -> new MigrationAbortedException(desc, null);
            default -> new HypervisorException("the guest process of " + vm + " answered " + cls + ": " + desc);
        };
    }

    private static VmState state(JsonNode error) {
        try {
            return VmState.valueOf(error.path("state").asText());
        } catch (IllegalArgumentException e) {
            return VmState.DESTROYED;
        }
    }

    /** {@link FencingException} adds its own "fencing: VM x (STATE): " prefix; keep only the reason. */
    private static String reasonOf(String desc) {
        int at = desc.startsWith("fencing: ") ? desc.indexOf("): ") : -1;
        return at < 0 ? desc : desc.substring(at + 3);
    }

    /** A {@link VmStateException} with the process's own wording. */
    static final class RemoteStateException extends VmStateException {
        private static final long serialVersionUID = 1L;

        RemoteStateException(String message, VmState state) {
            super(message, state);
        }
    }
}
