package org.attestedmigration.migrationcore.memory;

/**
 * The guest's memory writes: one 8-byte store a step, into a page chosen by the pattern. Runs on
 * one guest thread; its fields are read only while the guest is paused.
 */
final class MemoryWorkload implements Runnable {
    private final GuestMemory memory;
    private final DirtyPattern pattern;
    private final int hotPages;
    private long rng;
    private volatile long pagesDirtied;

    MemoryWorkload(GuestMemory memory, DirtyPattern pattern, double hotSetFraction, long rng, long pagesDirtied) {
        this.memory = memory;
        this.pattern = pattern;
        this.hotPages = Math.max(1, (int) (memory.pageCount() * hotSetFraction));
        this.rng = rng;
        this.pagesDirtied = pagesDirtied;
    }

    @Override
    public void run() {
        rng = Xorshift.next(rng);
        long r = rng >>> 1;
        boolean hot = pattern == DirtyPattern.HOT_SET && r % 10 != 0;
        int page = (int) ((r >>> 4) % (hot ? hotPages : memory.pageCount()));
        memory.store(page, (int) (r >>> 40), rng);
        pagesDirtied = pagesDirtied + 1; // one writer: the guest thread
    }

    long rng() {
        return rng;
    }

    long pagesDirtied() {
        return pagesDirtied;
    }
}
