package org.attestedmigration.migrationcore.replication;

import java.util.List;

/**
 * At switchover the destination's digest tree differed from the source's: the destination disk
 * must not be used. The source resumes; the named chunks are dirty again.
 */
public final class SwitchoverMismatchException extends ReplicationException {
    private static final long serialVersionUID = 1L;
    private final List<Integer> differingChunks;

    public SwitchoverMismatchException(List<Integer> differingChunks) {
        super(ReplicationPhase.SWITCHOVER, differingChunks.size() + " chunk(s) differ at the destination: "
                + (differingChunks.size() > 16 ? differingChunks.subList(0, 16) + "..." : differingChunks), null);
        this.differingChunks = List.copyOf(differingChunks);
    }

    public List<Integer> differingChunks() {
        return differingChunks;
    }
}
