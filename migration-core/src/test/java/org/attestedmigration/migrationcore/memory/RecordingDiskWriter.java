package org.attestedmigration.migrationcore.memory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A disk double shared by both hosts: remembers which host wrote, and when. */
final class RecordingDiskWriter {
    record Write(String host, long nanoTime, long offset, int length) {
    }

    final List<Write> writes = new CopyOnWriteArrayList<>();

    DiskWriter on(String host) {
        return (offset, data) -> writes.add(new Write(host, System.nanoTime(), offset, data.length));
    }

    long count(String host) {
        return writes.stream().filter(w -> w.host().equals(host)).count();
    }

    long last(String host) {
        return writes.stream().filter(w -> w.host().equals(host)).mapToLong(Write::nanoTime).max().orElse(Long.MIN_VALUE);
    }

    long first(String host) {
        return writes.stream().filter(w -> w.host().equals(host)).mapToLong(Write::nanoTime).min().orElse(Long.MAX_VALUE);
    }
}
