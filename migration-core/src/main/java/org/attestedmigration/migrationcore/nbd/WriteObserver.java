package org.attestedmigration.migrationcore.nbd;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Sees every write an NBD export accepts, so a replicator can track, hold or pause them.
 *
 * <p>For each write (WRITE and WRITE_ZEROES) the server calls {@link #beforeWrite} and then,
 * always, {@link #afterWrite} once the image was written — even if writing failed, because a
 * failed write may still have changed some bytes. The reply to the client is sent only when the
 * stage returned by {@code afterWrite} completes, which is how a synchronous mirror holds the
 * acknowledgement until its peer has the data.
 */
public interface WriteObserver {
    /** An observer that neither tracks nor delays anything. */
    WriteObserver NONE = (offset, length) -> CompletableFuture.completedFuture(null);

    /**
     * Called before a write touches the image, on the connection's thread. Blocking here pauses
     * (switchover) or throttles (convergence) the writer.
     */
    default void beforeWrite(long offset, long length) throws InterruptedException {
    }

    /**
     * Called after the bytes are in the image and before the reply. A stage that completes
     * exceptionally turns into an EIO reply.
     */
    CompletionStage<Void> afterWrite(long offset, long length);
}
