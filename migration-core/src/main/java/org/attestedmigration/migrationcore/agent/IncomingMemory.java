package org.attestedmigration.migrationcore.agent;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;
import org.attestedmigration.migrationcore.hypervisor.HandoverToken;
import org.attestedmigration.migrationcore.hypervisor.HypervisorException;
import org.attestedmigration.migrationcore.hypervisor.IncomingVm;
import org.attestedmigration.migrationcore.hypervisor.MemoryReceipt;
import org.attestedmigration.migrationcore.hypervisor.ResumeResult;
import org.attestedmigration.securechannel.mux.MuxSession;
import org.attestedmigration.securechannel.mux.MuxStream;

/**
 * The destination's side of an arriving VM's memory: an empty guest that reads the memory stream,
 * yields a receipt for the source, and runs only when the source's handover token opens the
 * commitment in that stream. Until then any failure or a session that ends destroys it.
 */
final class IncomingMemory {
    private static final Logger LOG = Logger.getLogger(IncomingMemory.class.getName());

    private final String vm;
    private final MuxSession owner;
    private final IncomingVm guest;
    private final CompletableFuture<MemoryReceipt> receipt = new CompletableFuture<>();
    private boolean receiving;
    private boolean resumed;

    private IncomingMemory(String vm, MuxSession owner, IncomingVm guest) {
        this.vm = vm;
        this.owner = owner;
        this.guest = guest;
    }

    static IncomingMemory prepare(SimulatedGuests guests, String vm, int memoryMib, MuxSession owner) throws HypervisorException {
        return new IncomingMemory(vm, owner, guests.prepare(vm, memoryMib));
    }

    String vm() {
        return vm;
    }

    boolean ownedBy(MuxSession session) {
        return owner == session;
    }

    /** Reads the memory stream on a worker: it blocks until the source's stop-and-copy closes the stream. */
    synchronized void receive(MuxStream stream, Executor workers) {
        if (receiving) {
            throw new IllegalStateException("the memory of " + vm + " is already being received");
        }
        receiving = true;
        workers.execute(() -> {
            try {
                receipt.complete(guest.receiveMemory(stream.inputStream()));
            } catch (HypervisorException | RuntimeException e) {
                receipt.completeExceptionally(e);
                stream.reset("memory of " + vm + " refused: " + e.getMessage());
            }
        });
    }

    /**
     * The receipt for the memory received, once the stream ended.
     *
     * @throws IOException the memory was not (or not correctly) received in time
     */
    MemoryReceipt awaitReceipt(Duration timeout) throws IOException, InterruptedException {
        try {
            return receipt.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException("the memory of " + vm + " was not received: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("the memory of " + vm + " did not arrive within " + timeout.toSeconds() + " s");
        }
    }

    /**
     * Starts the guest here.
     *
     * @throws HypervisorException the token does not open the stream's commitment (a
     *     {@link org.attestedmigration.migrationcore.hypervisor.FencingException}) or the guest is not ready
     */
    synchronized ResumeResult resume(HandoverToken token) throws HypervisorException {
        ResumeResult r = guest.resume(token);
        resumed = true;
        return r;
    }

    /** Destroys the guest unless it runs here already; idempotent. */
    synchronized void discard() {
        if (resumed) {
            return;
        }
        receipt.completeExceptionally(new IOException("discarded"));
        try {
            guest.destroy();
        } catch (HypervisorException e) {
            LOG.warning("could not discard the incoming guest of " + vm + ": " + e.getMessage());
        }
    }
}
