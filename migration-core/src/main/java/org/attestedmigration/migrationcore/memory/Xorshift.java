package org.attestedmigration.migrationcore.memory;

/** The guest's pseudo-random generator: one long of state, so it fits in the CPU state. */
final class Xorshift {
    private Xorshift() {
    }

    static long next(long x) {
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        return x;
    }

    /** A usable non-zero state from any seed. */
    static long seed(long seed) {
        long s = seed * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
        return s == 0 ? 1 : s;
    }
}
