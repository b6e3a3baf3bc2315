package org.attestedmigration.migrationcore.memory;

import java.util.List;
import java.util.Locale;
import org.attestedmigration.migrationcore.hypervisor.VmSpec;

/**
 * What the simulated VM does while it runs.
 *
 * @param memoryMib guest memory
 * @param dirtyBytesPerSecond how fast the guest dirties memory, in whole pages (a page counts 4 KiB)
 * @param pattern which pages it dirties
 * @param hotSetFraction for {@link DirtyPattern#HOT_SET}: the share of memory that is hot, (0, 1]
 * @param initialFill share of pages holding data at start; the rest are zero pages, as in a fresh guest
 * @param diskWritesPerSecond how often the guest writes its disk through {@link DiskWriter}; 0: never
 * @param diskWriteBytes bytes per disk write, a multiple of 512
 * @param diskSizeBytes the disk's size; writes land at random aligned offsets inside it
 * @param seed makes contents and access patterns repeatable
 */
public record SimVmOptions(int memoryMib, long dirtyBytesPerSecond, DirtyPattern pattern, double hotSetFraction,
                           double initialFill, long diskWritesPerSecond, int diskWriteBytes, long diskSizeBytes, long seed) {
    public SimVmOptions {
        if (memoryMib < 1 || memoryMib > VmSpec.MAX_MEMORY_BYTES >> 20) {
            throw new IllegalArgumentException("memory must be 1..1024 MiB: " + memoryMib);
        }
        if (dirtyBytesPerSecond < 0 || diskWritesPerSecond < 0) {
            throw new IllegalArgumentException("rates cannot be negative");
        }
        if (pattern == null || !(hotSetFraction > 0 && hotSetFraction <= 1) || !(initialFill >= 0 && initialFill <= 1)) {
            throw new IllegalArgumentException("pattern required, hotSetFraction in (0, 1], initialFill in [0, 1]");
        }
        if (diskWriteBytes < 512 || diskWriteBytes % 512 != 0 || diskSizeBytes < diskWriteBytes) {
            throw new IllegalArgumentException("disk writes must be multiples of 512 bytes within the disk");
        }
    }

    /** 64 MiB, idle, half the pages filled, 4 KiB disk writes over a 64 MiB disk when enabled. */
    public static SimVmOptions defaults() {
        return new SimVmOptions(64, 0, DirtyPattern.RANDOM, 0.1, 0.5, 0, 4096, 64L << 20, 1);
    }

    public SimVmOptions withMemoryMib(int mib) {
        return new SimVmOptions(mib, dirtyBytesPerSecond, pattern, hotSetFraction, initialFill, diskWritesPerSecond, diskWriteBytes, diskSizeBytes, seed);
    }

    public SimVmOptions withDirtyRate(long bytesPerSecond, DirtyPattern p, double hotFraction) {
        return new SimVmOptions(memoryMib, bytesPerSecond, p, hotFraction, initialFill, diskWritesPerSecond, diskWriteBytes, diskSizeBytes, seed);
    }

    public SimVmOptions withDiskWrites(long perSecond, int bytes, long diskSize) {
        return new SimVmOptions(memoryMib, dirtyBytesPerSecond, pattern, hotSetFraction, initialFill, perSecond, bytes, diskSize, seed);
    }

    public SimVmOptions withInitialFill(double fill, long newSeed) {
        return new SimVmOptions(memoryMib, dirtyBytesPerSecond, pattern, hotSetFraction, fill, diskWritesPerSecond, diskWriteBytes, diskSizeBytes, newSeed);
    }

    /** The spec of a VM with these options. */
    public VmSpec spec(String name, String diskExportName) {
        return VmSpec.ofMib(name, memoryMib, diskExportName);
    }

    long dirtyPagesPerSecond() {
        return dirtyBytesPerSecond / GuestMemory.PAGE;
    }

    /**
     * Parses the command line of {@code attested-migrate sim-vm}: {@code --memory-mib N},
     * {@code --dirty-rate R} (bytes/s with an optional k/M/G suffix, e.g. {@code 50M}),
     * {@code --pattern random|hot:F}, {@code --fill F}, {@code --disk-write-rate N} (writes/s),
     * {@code --disk-write-size B}, {@code --disk-size B}, {@code --seed N}; unset ones keep
     * {@link #defaults()}.
     *
     * @throws IllegalArgumentException an unknown option or a bad value, with the option named
     */
    public static SimVmOptions parse(List<String> args) {
        SimVmOptions o = defaults();
        for (int i = 0; i < args.size(); i += 2) {
            String name = args.get(i);
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            String v = args.get(i + 1);
            try {
                o = switch (name) {
                    case "--memory-mib" -> o.withMemoryMib(Integer.parseInt(v));
                    case "--dirty-rate" -> o.withDirtyRate(size(v), o.pattern, o.hotSetFraction);
                    case "--pattern" -> v.equals("random") ? o.withDirtyRate(o.dirtyBytesPerSecond, DirtyPattern.RANDOM, o.hotSetFraction)
                            : v.startsWith("hot:") ? o.withDirtyRate(o.dirtyBytesPerSecond, DirtyPattern.HOT_SET, Double.parseDouble(v.substring(4)))
                            : fail("random or hot:FRACTION");
                    case "--fill" -> o.withInitialFill(Double.parseDouble(v), o.seed);
                    case "--disk-write-rate" -> o.withDiskWrites(Long.parseLong(v), o.diskWriteBytes, o.diskSizeBytes);
                    case "--disk-write-size" -> o.withDiskWrites(o.diskWritesPerSecond, (int) size(v), o.diskSizeBytes);
                    case "--disk-size" -> o.withDiskWrites(o.diskWritesPerSecond, o.diskWriteBytes, size(v));
                    case "--seed" -> o.withInitialFill(o.initialFill, Long.parseLong(v));
                    default -> throw new IllegalArgumentException("unknown sim-vm option " + name);
                };
            } catch (IllegalArgumentException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("unknown sim-vm option")) {
                    throw e;
                }
                throw new IllegalArgumentException(name + " " + v + ": " + e.getMessage(), e);
            }
        }
        return o;
    }

    private static SimVmOptions fail(String expected) {
        throw new IllegalArgumentException("expected " + expected);
    }

    private static long size(String v) {
        String s = v.toLowerCase(Locale.ROOT);
        long unit = 1;
        char last = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
        switch (last) {
            case 'k' -> unit = 1L << 10;
            case 'm' -> unit = 1L << 20;
            case 'g' -> unit = 1L << 30;
            default -> { }
        }
        String digits = unit == 1 ? s : s.substring(0, s.length() - 1);
        return Math.multiplyExact(Long.parseLong(digits), unit);
    }
}
