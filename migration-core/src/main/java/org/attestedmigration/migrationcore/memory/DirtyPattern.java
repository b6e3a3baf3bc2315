package org.attestedmigration.migrationcore.memory;

/** Which pages the simulated guest writes. */
public enum DirtyPattern {
    /** Uniformly over all memory: the dirty set keeps growing until every page is dirty. */
    RANDOM,
    /** 90 % of writes in a hot set (the first {@code hotSetFraction} of memory), the rest anywhere. */
    HOT_SET
}
