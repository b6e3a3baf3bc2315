package org.attestedmigration.migrationcore.replication;

import java.util.BitSet;
import java.util.Objects;
import org.attestedmigration.migrationcore.disk.ChunkLayout;

/**
 * What a journal remembers: the last phase reached and which chunks the destination holds
 * durably. Immutable: the bitmap is copied in and out.
 */
public final class JournalState {
    private final ReplicationPhase phase;
    private final ChunkLayout layout;
    private final BitSet confirmed;

    public JournalState(ReplicationPhase phase, ChunkLayout layout, BitSet confirmed) {
        this.phase = Objects.requireNonNull(phase, "phase");
        this.layout = Objects.requireNonNull(layout, "layout");
        if (confirmed.length() > layout.chunkCount()) {
            throw new IllegalArgumentException("confirmed chunk beyond the layout's " + layout.chunkCount());
        }
        this.confirmed = (BitSet) confirmed.clone();
    }

    public ReplicationPhase phase() {
        return phase;
    }

    public ChunkLayout layout() {
        return layout;
    }

    public BitSet confirmed() {
        return (BitSet) confirmed.clone();
    }

    public int confirmedCount() {
        return confirmed.cardinality();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JournalState s && phase == s.phase && layout.equals(s.layout)
                && confirmed.equals(s.confirmed);
    }

    @Override
    public int hashCode() {
        return Objects.hash(phase, layout, confirmed);
    }

    @Override
    public String toString() {
        return "JournalState[" + phase + ", " + layout + ", confirmed=" + confirmedCount() + "]";
    }
}
