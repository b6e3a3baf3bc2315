package org.attestedmigration.migrationcore.simvm;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.attestedmigration.migrationcore.hypervisor.HypervisorException;
import org.attestedmigration.migrationcore.hypervisor.Vm;
import org.attestedmigration.migrationcore.hypervisor.VmSpec;
import org.attestedmigration.migrationcore.hypervisor.VmState;

/**
 * A VM whose guest runs in a sim-vm process. Its state is the process's answer to {@code status},
 * not a copy kept here, so it cannot drift from what the guest really does; a process that is
 * gone is a DESTROYED VM.
 */
abstract class ProcessGuest implements Vm {
    /** Status is answered at once, even while stop-and-copy waits; this only bounds a hung process. */
    private static final Duration STATUS = Duration.ofSeconds(10);

    private final VmSpec spec;
    private final GuestProcess process;
    private volatile VmState lastKnown;

    ProcessGuest(VmSpec spec, GuestProcess process, VmState initial) {
        this.spec = spec;
        this.process = process;
        this.lastKnown = initial;
    }

    @Override
    public VmSpec spec() {
        return spec;
    }

    GuestProcess process() {
        return process;
    }

    @Override
    public VmState state() {
        try {
            return status().map(s -> VmState.valueOf(s.path("state").asText())).orElse(VmState.DESTROYED);
        } catch (IllegalArgumentException e) {
            return lastKnown;
        }
    }

    /** Disk writes the guest completed since it booted (across migrations), or null while it does not run. */
    public Long diskWrites() {
        return status().filter(s -> s.has("diskWrites")).map(s -> s.path("diskWrites").asLong()).orElse(null);
    }

    /** The process's status; empty once it is gone. */
    java.util.Optional<JsonNode> status() {
        if (!process.control().open()) {
            lastKnown = VmState.DESTROYED;
            return java.util.Optional.empty();
        }
        try {
            JsonNode s = process.control().call(ControlProtocol.STATUS, null, STATUS);
            lastKnown = VmState.valueOf(s.path("state").asText());
            return java.util.Optional.of(s);
        } catch (GuestGoneException e) {
            lastKnown = VmState.DESTROYED;
            return java.util.Optional.empty();
        } catch (HypervisorException | IllegalArgumentException e) {
            return java.util.Optional.of(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                    .put("state", lastKnown.name()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.of(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                    .put("state", lastKnown.name()));
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + spec.name() + ", pid " + process.pid() + "]";
    }
}
