package org.attestedmigration.migrationcore.replication;

import java.util.concurrent.CompletableFuture;

/** What happens to a guest write while mirroring; one implementation per {@link MirrorMode}. */
interface Mirror {
    /** May block the writer (an asynchronous mirror that is too far behind). */
    void beforeWrite(long length) throws InterruptedException;

    /** The write's chunks were marked dirty; the future gates the write's acknowledgement. */
    CompletableFuture<Void> afterWrite(int firstChunk, int lastChunk);
}
