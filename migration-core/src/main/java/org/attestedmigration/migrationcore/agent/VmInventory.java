package org.attestedmigration.migrationcore.agent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The VMs this agent serves, and the fence around them: a VM is served by one agent at a time, so
 * it is added only once its disk is in place here and removed only after its switchover elsewhere
 * succeeded; one outgoing migration per VM at a time.
 */
final class VmInventory {
    private final DataDirectory data;
    private final Map<String, ServedVm> served = new TreeMap<>();
    private final Map<String, Boolean> migrating = new TreeMap<>();

    VmInventory(DataDirectory data) {
        this.data = data;
    }

    /** Starts serving {@code disk} as VM {@code name}. */
    synchronized ServedVm serve(String name, Path disk) throws IOException {
        if (served.containsKey(name)) {
            throw new IllegalStateException("VM " + name + " is already served here");
        }
        ServedVm vm = ServedVm.serve(name, disk, data.socket(name));
        served.put(name, vm);
        return vm;
    }

    synchronized boolean isServed(String name) {
        return served.containsKey(name);
    }

    /**
     * Marks {@code name} as migrating out.
     *
     * @throws IllegalStateException if it is not served here or already migrating
     */
    synchronized ServedVm claim(String name) {
        ServedVm vm = served.get(name);
        if (vm == null) {
            throw new IllegalStateException("VM " + name + " is not served by this agent");
        }
        if (migrating.containsKey(name)) {
            throw new IllegalStateException("VM " + name + " is already migrating");
        }
        migrating.put(name, Boolean.TRUE);
        return vm;
    }

    /** The migration of {@code name} ended without switchover: it keeps running here. */
    synchronized void release(String name) {
        migrating.remove(name);
    }

    /** Stops serving {@code name} (its switchover elsewhere succeeded); the image file stays. */
    ServedVm detach(String name) throws IOException {
        ServedVm vm;
        synchronized (this) {
            vm = served.remove(name);
            migrating.remove(name);
        }
        if (vm != null) {
            vm.close();
        }
        return vm;
    }

    /**
     * Stops serving {@code name} for good after it moved elsewhere: its disk is renamed to
     * {@code NAME.raw.migrated-STAMP} so that nothing serves this copy again by mistake.
     *
     * @return where the disk is kept
     */
    Path retire(String name, Path disk) throws IOException {
        detach(name);
        String stamp = MigratedCopies.STAMP.format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC));
        Path kept = disk.resolveSibling(disk.getFileName() + ".migrated-" + stamp);
        // A VM can come back and leave again within a second: never overwrite an earlier kept copy.
        for (int n = 2; java.nio.file.Files.exists(kept); n++) {
            kept = disk.resolveSibling(disk.getFileName() + ".migrated-" + stamp + "-" + n);
        }
        java.nio.file.Files.move(disk, kept);
        return kept;
    }

    synchronized Optional<ServedVm> find(String name) {
        return Optional.ofNullable(served.get(name));
    }

    synchronized List<VmStatus> status(java.util.function.Function<String, String> guestState,
            java.util.function.Function<String, Long> guestDiskWrites) {
        List<VmStatus> list = new ArrayList<>();
        for (ServedVm vm : served.values()) {
            list.add(new VmStatus(vm.name(), migrating.containsKey(vm.name()) ? "migrating" : "running", vm.disk().toString(),
                    vm.socket().toString(), vm.image().size(),
                    guestState.apply(vm.name()), guestDiskWrites.apply(vm.name())));
        }
        return list;
    }

    /** Stops serving every VM (agent shutdown); the images stay. */
    void closeAll() {
        List<ServedVm> all;
        synchronized (this) {
            all = new ArrayList<>(served.values());
            served.clear();
            migrating.clear();
        }
        for (ServedVm vm : all) {
            try {
                vm.close();
            } catch (IOException e) {
                java.util.logging.Logger.getLogger(VmInventory.class.getName()).warning("closing " + vm.name() + ": " + e.getMessage());
            }
        }
    }
}
