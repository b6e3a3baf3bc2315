package org.attestedmigration.migrationcore.simvm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.attestedmigration.migrationcore.hypervisor.HandoverToken;
import org.attestedmigration.migrationcore.hypervisor.HypervisorException;
import org.attestedmigration.migrationcore.hypervisor.IncomingVm;
import org.attestedmigration.migrationcore.hypervisor.MemoryMigrationSettings;
import org.attestedmigration.migrationcore.hypervisor.MemoryReceipt;
import org.attestedmigration.migrationcore.hypervisor.OutgoingMigration;
import org.attestedmigration.migrationcore.hypervisor.PauseHook;
import org.attestedmigration.migrationcore.hypervisor.ResumeResult;
import org.attestedmigration.migrationcore.hypervisor.Vm;
import org.attestedmigration.migrationcore.hypervisor.VmState;
import org.attestedmigration.migrationcore.hypervisor.VmStateException;
import org.attestedmigration.migrationcore.memory.SimHypervisor;
import org.attestedmigration.migrationcore.memory.SimVm;

/**
 * The one VM of a sim-vm process and what its control commands do to it. It runs on an
 * in-process {@link SimHypervisor}, so stream format, fencing and timeouts are exactly the
 * in-agent simulator's; this class only translates commands. Thread-safe: commands run
 * concurrently (an {@code abort} or {@code continue} arrives while {@code stop-and-copy} waits).
 */
final class SimVmGuest {
    private static final Logger LOG = Logger.getLogger(SimVmGuest.class.getName());
    /** Above the source's stop-and-copy timeout, during which the memory stream may be quiet. */
    private static final Duration STREAM_IDLE = Duration.ofSeconds(45);

    private final String name;
    private final GuestDisk disk;
    private final SimHypervisor hypervisor;
    private final IncomingVm incoming;
    private volatile OutgoingMigration outgoing;
    private volatile MemoryMigrationSettings settings = MemoryMigrationSettings.defaults();
    /** While the guest is paused inside stop-and-copy: completed with null (continue) or a reason (resume here). */
    private volatile CompletableFuture<String> pauseDecision;

    private SimVmGuest(String name, GuestDisk disk, SimHypervisor hypervisor, IncomingVm incoming) {
        this.name = name;
        this.disk = disk;
        this.hypervisor = hypervisor;
        this.incoming = incoming;
    }

    /** Boots the VM (or prepares the incoming one) that the command line describes. */
    static SimVmGuest start(SimVmCommandLine cl) throws HypervisorException {
        GuestDisk disk = new GuestDisk(cl.diskNbd(), cl.diskExport());
        SimHypervisor hv = new SimHypervisor("sim-vm-" + ProcessHandle.current().pid(), spec -> disk, STREAM_IDLE);
        if (cl.incoming()) {
            IncomingVm in = hv.prepareDestination(cl.options().spec(cl.name(), cl.diskExport()));
            return new SimVmGuest(cl.name(), disk, hv, in);
        }
        hv.boot(cl.name(), cl.diskExport(), cl.options());
        return new SimVmGuest(cl.name(), disk, hv, null);
    }

    String name() {
        return name;
    }

    /** The VM's state here; DESTROYED once nothing of it is left, and the process may exit. */
    VmState state() {
        Optional<Vm> vm = hypervisor.find(name);
        if (vm.isPresent()) {
            return vm.get().state();
        }
        OutgoingMigration o = outgoing;
        if (o != null && o.vm().state() != VmState.DESTROYED) {
            return o.vm().state();
        }
        return VmState.DESTROYED;
    }

    boolean finished() {
        return state() == VmState.DESTROYED;
    }

    /**
     * Runs one command.
     *
     * @param events where the command's events go (the PAUSED event of stop-and-copy)
     * @return the {@code return} object
     * @throws UnknownCommandException no such command
     * @throws IllegalArgumentException a missing or malformed argument
     */
    ObjectNode execute(String command, JsonNode args, JsonNode id, Consumer<ObjectNode> events) throws Exception {
        return switch (command) {
            case ControlProtocol.STATUS -> status();
            case ControlProtocol.MIGRATE_OUT -> migrateOut(args);
            case ControlProtocol.AWAIT_PRECOPY -> ControlValues.precopy(migration().awaitPrecopy(Duration.ofMillis(positive(args, "timeoutMillis"))));
            case ControlProtocol.STOP_AND_COPY -> ControlValues.stopAndCopy(migration().stopAndCopy(pauseHook(id, events)));
            case ControlProtocol.CONTINUE -> decide(null);
            case ControlProtocol.RESUME_HERE -> decide(text(args, "reason"));
            case ControlProtocol.HAND_OVER -> handOver(args);
            case ControlProtocol.ABORT -> abort(text(args, "reason"));
            case ControlProtocol.DESTROY -> destroy();
            case ControlProtocol.RECEIVE -> receive(args);
            case ControlProtocol.RESUME -> resume(args);
            default -> throw new UnknownCommandException(command);
        };
    }

    private ObjectNode status() {
        ObjectNode s = ControlProtocol.JSON.createObjectNode();
        s.put("vm", name);
        s.put("state", state().name());
        Optional<Vm> vm = hypervisor.find(name);
        s.put("epoch", vm.map(Vm::epoch).orElse(0L));
        if (vm.isPresent() && vm.get() instanceof SimVm sim) {
            s.put("diskWrites", sim.diskWrites());
            s.put("diskWriteFailures", sim.diskWriteFailures());
            s.put("pagesDirtied", sim.pagesDirtied());
        }
        return s;
    }

    private ObjectNode migrateOut(JsonNode args) throws Exception {
        Path stream = Path.of(text(args, "stream"));
        MemoryMigrationSettings s = ControlValues.settings(args.path("settings"));
        Vm vm = hypervisor.find(name).orElseThrow(() -> new VmStateException(name, VmState.DESTROYED, "start a memory migration"));
        if (vm.state() != VmState.RUNNING) {
            throw new VmStateException(name, vm.state(), "start a memory migration");
        }
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(stream));
            settings = s;
            outgoing = hypervisor.startMemoryMigration(vm, UnixStreams.out(ch), s);
        } catch (IOException | HypervisorException | RuntimeException e) {
            ch.close();
            throw e;
        }
        LOG.info("memory migration of " + name + " started on " + stream);
        return ControlProtocol.JSON.createObjectNode().put("epoch", vm.epoch() + 1);
    }

    private OutgoingMigration migration() throws VmStateException {
        OutgoingMigration o = outgoing;
        if (o == null) {
            throw new VmStateException(name, state(), "do this without a memory migration (migrate-out first)");
        }
        return o;
    }

    /** The guest is paused: tell the agent, and wait for it to switch the disk over (continue) or give up (resume-here). */
    private PauseHook pauseHook(JsonNode id, Consumer<ObjectNode> events) {
        return () -> {
            CompletableFuture<String> decision = new CompletableFuture<>();
            pauseDecision = decision;
            try {
                ObjectNode data = ControlProtocol.JSON.createObjectNode();
                data.set(ControlProtocol.ID, id);
                ObjectNode event = ControlProtocol.JSON.createObjectNode().put(ControlProtocol.EVENT, ControlProtocol.PAUSED_EVENT);
                event.set(ControlProtocol.DATA, data);
                events.accept(event);
                String reason;
                try {
                    reason = decision.get(settings.stopAndCopyTimeout().toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    throw new IOException("the agent did not say continue within " + settings.stopAndCopyTimeout());
                }
                if (reason != null) {
                    throw new IOException("the agent resumes the guest here: " + reason);
                }
            } finally {
                pauseDecision = null;
            }
        };
    }

    private ObjectNode decide(String reason) throws VmStateException {
        CompletableFuture<String> d = pauseDecision;
        if (d == null || !d.complete(reason)) {
            throw new VmStateException(name, state(), "continue or resume here: the guest is not paused inside stop-and-copy");
        }
        return ControlProtocol.JSON.createObjectNode();
    }

    private ObjectNode handOver(JsonNode args) throws HypervisorException {
        MemoryReceipt receipt = MemoryReceipt.decode(base64(args, "receipt"));
        HandoverToken token = migration().handOver(receipt);
        return ControlProtocol.JSON.createObjectNode().put("token", Base64.getEncoder().encodeToString(token.encode()));
    }

    private ObjectNode abort(String reason) throws HypervisorException {
        OutgoingMigration o = migration();
        CompletableFuture<String> d = pauseDecision;
        if (d != null) {
            d.complete(reason);
        }
        o.abort(reason);
        return ControlProtocol.JSON.createObjectNode().put("state", state().name());
    }

    private ObjectNode destroy() throws HypervisorException {
        OutgoingMigration o = outgoing;
        if (state() == VmState.DESTROYED) {
            return ControlProtocol.JSON.createObjectNode();
        }
        if (o != null && o.vm().state() == VmState.HANDED_OVER) {
            o.destroy();
        } else if (incoming != null && hypervisor.find(name).orElse(null) == incoming) {
            // Not resumed yet (a resumed guest is a SimVm in the hypervisor's place of the incoming VM).
            incoming.destroy();
        } else {
            throw new VmStateException(name, state(), "destroy the only copy of a guest (stop its process instead)");
        }
        return ControlProtocol.JSON.createObjectNode();
    }

    private ObjectNode receive(JsonNode args) throws Exception {
        if (incoming == null) {
            throw new VmStateException(name, state(), "receive memory: this guest was not started with --incoming");
        }
        Path stream = Path.of(text(args, "stream"));
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(stream));
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        MemoryReceipt receipt = incoming.receiveMemory(UnixStreams.in(ch));
        return ControlProtocol.JSON.createObjectNode().put("receipt", Base64.getEncoder().encodeToString(receipt.encode()));
    }

    private ObjectNode resume(JsonNode args) throws HypervisorException {
        if (incoming == null) {
            throw new VmStateException(name, state(), "resume: this guest was not started with --incoming");
        }
        HandoverToken token = HandoverToken.decode(base64(args, "token"));
        disk.attach(Path.of(text(args, "diskNbd")));
        ResumeResult r = incoming.resume(token);
        LOG.info(name + " resumed at epoch " + r.epoch() + " after " + r.downtime().toMillis() + " ms of downtime");
        return ControlValues.resume(r);
    }

    /** The agent's control connection ended: a guest paused inside stop-and-copy resumes here, as on any failure before handover. */
    void controlLost() {
        CompletableFuture<String> d = pauseDecision;
        if (d != null) {
            d.complete("the agent's control connection closed");
        }
    }

    /** Stops whatever runs (SIGTERM, or the agent that launched this process ended). Idempotent, never throws. */
    void stop() {
        controlLost();
        try {
            OutgoingMigration o = outgoing;
            if (o != null && (o.vm().state() == VmState.MIGRATING || o.vm().state() == VmState.PAUSED)) {
                o.abort("the guest process stops");
            }
            if (o != null && o.vm().state() == VmState.HANDED_OVER) {
                o.destroy();
            }
            Optional<Vm> vm = hypervisor.find(name);
            if (vm.isPresent() && vm.get() instanceof SimVm sim && sim.state() == VmState.RUNNING) {
                sim.shutdown();
            } else if (vm.isPresent() && vm.get() instanceof IncomingVm in) {
                in.destroy();
            }
        } catch (HypervisorException e) {
            LOG.warning("stopping " + name + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            disk.close();
        }
    }

    private static String text(JsonNode args, String field) {
        JsonNode v = args.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new IllegalArgumentException("argument '" + field + "' (a string) is required");
        }
        return v.asText();
    }

    private static byte[] base64(JsonNode args, String field) {
        try {
            return Base64.getDecoder().decode(text(args, field));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("argument '" + field + "' is not base64: " + e.getMessage(), e);
        }
    }

    private static long positive(JsonNode args, String field) {
        JsonNode v = args.get(field);
        if (v == null || !v.canConvertToLong() || v.asLong() <= 0) {
            throw new IllegalArgumentException("argument '" + field + "' (a positive whole number) is required");
        }
        return v.asLong();
    }

    /** A command this process does not know. */
    static final class UnknownCommandException extends Exception {
        private static final long serialVersionUID = 1L;

        UnknownCommandException(String command) {
            super("unknown command '" + command + "'");
        }
    }

}
