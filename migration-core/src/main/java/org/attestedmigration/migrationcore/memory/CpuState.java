package org.attestedmigration.migrationcore.memory;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

/**
 * The simulated vCPU's state, moved in stop-and-copy: the workloads' generator states and
 * counters, and the program they run (the options), so the guest continues at the destination
 * exactly where it paused and doing what it did.
 */
record CpuState(long memoryRng, long pagesDirtied, long diskRng, long diskWrites, SimVmOptions program) {
    private static final int MAGIC = 0x56435055; // "VCPU"
    static final int BYTES = 4 + 4 * 8 + 4 + 8 + 1 + 8 + 8 + 8 + 4 + 8 + 8;

    byte[] encode() {
        SimVmOptions p = program;
        return ByteBuffer.allocate(BYTES).putInt(MAGIC).putLong(memoryRng).putLong(pagesDirtied).putLong(diskRng).putLong(diskWrites)
                .putInt(p.memoryMib()).putLong(p.dirtyBytesPerSecond()).put((byte) p.pattern().ordinal())
                .putDouble(p.hotSetFraction()).putDouble(p.initialFill()).putLong(p.diskWritesPerSecond())
                .putInt(p.diskWriteBytes()).putLong(p.diskSizeBytes()).putLong(p.seed()).array();
    }

    /** @throws IllegalArgumentException not an encoded CPU state */
    static CpuState decode(byte[] b) {
        ByteBuffer in = ByteBuffer.wrap(b);
        try {
            if (b.length != BYTES || in.getInt() != MAGIC) {
                throw new IllegalArgumentException("not a simulated CPU state (" + b.length + " bytes)");
            }
            long memoryRng = in.getLong();
            long pagesDirtied = in.getLong();
            long diskRng = in.getLong();
            long diskWrites = in.getLong();
            int mib = in.getInt();
            long dirty = in.getLong();
            int pattern = in.get();
            if (pattern < 0 || pattern >= DirtyPattern.values().length) {
                throw new IllegalArgumentException("unknown dirty pattern " + pattern);
            }
            SimVmOptions p = new SimVmOptions(mib, dirty, DirtyPattern.values()[pattern], in.getDouble(), in.getDouble(),
                    in.getLong(), in.getInt(), in.getLong(), in.getLong());
            if (memoryRng == 0 || diskRng == 0) {
                throw new IllegalArgumentException("a generator state of zero never changes");
            }
            return new CpuState(memoryRng, pagesDirtied, diskRng, diskWrites, p);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated CPU state", e);
        }
    }
}
