package org.attestedmigration.migrationcore.replication;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.disk.ChunkMap;
import org.attestedmigration.migrationcore.nbd.WriteObserver;

/**
 * The write path of one served disk, installed in its NBD export for the disk's whole life:
 * every write passes the {@link WriteGate}, is marked in the {@link ChunkMap} after it landed,
 * and, while a replicator mirrors, is handed to the mirror before it is acknowledged.
 *
 * <p>It outlives replication attempts on purpose: writes between a failed attempt and its
 * resumption must still be tracked, or a resumed copy would skip chunks they changed.
 */
public final class ReplicationWriteHook implements WriteObserver {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final ChunkMap map;
    private final WriteGate gate = new WriteGate();
    private volatile Mirror mirror;

    public ReplicationWriteHook(ChunkLayout layout) {
        this.map = new ChunkMap(Objects.requireNonNull(layout, "layout"));
    }

    public ChunkMap chunkMap() {
        return map;
    }

    public WriteGate gate() {
        return gate;
    }

    void attach(Mirror m) {
        mirror = m;
    }

    void detach() {
        mirror = null;
    }

    @Override
    public void beforeWrite(long offset, long length) throws InterruptedException {
        Mirror m = mirror;
        if (m != null) {
            m.beforeWrite(length);
        }
        gate.enter(length);
    }

    @Override
    public CompletionStage<Void> afterWrite(long offset, long length) {
        try {
            map.markWritten(offset, length);
        } finally {
            gate.exit();
        }
        Mirror m = mirror;
        if (m == null || length <= 0) {
            return DONE;
        }
        ChunkLayout l = map.layout();
        return m.afterWrite(l.chunkAt(offset), l.chunkAt(offset + length - 1));
    }
}
