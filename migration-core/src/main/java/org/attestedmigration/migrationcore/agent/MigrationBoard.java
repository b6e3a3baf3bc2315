package org.attestedmigration.migrationcore.agent;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The migrations in flight on one agent, both directions, with their latest progress, for {@code status}. */
final class MigrationBoard {
    private final Map<String, MigrationStatus> inFlight = new ConcurrentHashMap<>();

    /** Registers a migration; the key is the direction and the VM, since each VM has at most one of each. */
    String begin(String vm, String direction, String peer, long sizeBytes) {
        String key = direction + ":" + vm;
        inFlight.put(key, new MigrationStatus(vm, direction, peer, MigrationProgress.phase("starting", sizeBytes, ""), Instant.now().toString()));
        return key;
    }

    void update(String key, MigrationProgress progress) {
        inFlight.computeIfPresent(key, (k, s) -> new MigrationStatus(s.vm(), s.direction(), s.peer(), progress, s.started()));
    }

    void end(String key) {
        inFlight.remove(key);
    }

    List<MigrationStatus> snapshot() {
        List<MigrationStatus> list = new ArrayList<>(inFlight.values());
        list.sort(java.util.Comparator.comparing(MigrationStatus::started));
        return list;
    }
}
