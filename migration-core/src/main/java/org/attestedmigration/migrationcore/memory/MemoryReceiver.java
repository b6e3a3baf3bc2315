package org.attestedmigration.migrationcore.memory;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.BitSet;
import org.attestedmigration.migrationcore.hypervisor.MemoryDigestMismatchException;
import org.attestedmigration.migrationcore.hypervisor.MigrationAbortedException;
import org.attestedmigration.migrationcore.hypervisor.MigrationStreamException;
import org.attestedmigration.migrationcore.hypervisor.VmSpec;

/**
 * Applies a memory stream to the destination's memory and checks it: the header names this VM,
 * records come in the only order the source writes them, every page arrives at least once, and
 * the digest over what was stored here matches the source's.
 */
final class MemoryReceiver {
    /** What a complete, verified stream carried. */
    record Received(long epoch, byte[] commitment, Instant sourcePausedAt, CpuState cpu, byte[] digest) {
    }

    private final VmSpec spec;
    private final GuestMemory memory;
    private final byte[] pageHashes;
    private final BitSet received;
    private final byte[] buffer = new byte[GuestMemory.PAGE];
    private final MessageDigest sha = MemoryDigest.sha256();

    MemoryReceiver(VmSpec spec, GuestMemory memory) {
        this.spec = spec;
        this.memory = memory;
        this.pageHashes = new byte[memory.pageCount() * MemoryDigest.HASH];
        this.received = new BitSet(memory.pageCount());
    }

    Received receive(DataInputStream in) throws MigrationStreamException, MigrationAbortedException {
        try {
            Header h = header(in);
            Instant pausedAt = null;
            byte[] cpu = null;
            CpuState cpuState = null;
            while (true) {
                int type = in.read();
                switch (type) {
                    case -1 -> throw new MigrationStreamException("the memory stream ended before its END record (truncated)");
                    case MemoryStreamFormat.PAGE, MemoryStreamFormat.ZERO -> {
                        expect(cpu == null, "a page after the CPU state");
                        page(in, type == MemoryStreamFormat.ZERO);
                    }
                    case MemoryStreamFormat.ROUND_END -> {
                        expect(pausedAt == null, "a pre-copy round after the pause");
                        in.readInt();
                    }
                    case MemoryStreamFormat.PAUSED -> {
                        expect(pausedAt == null, "a second PAUSED record");
                        pausedAt = instant(in.readLong(), in.readInt());
                    }
                    case MemoryStreamFormat.CPU_STATE -> {
                        expect(pausedAt != null && cpu == null, "a CPU state before the pause, or twice");
                        cpu = blob(in);
                        cpuState = cpuState(cpu);
                    }
                    case MemoryStreamFormat.END -> {
                        expect(cpu != null, "END before the CPU state");
                        byte[] sent = new byte[MemoryDigest.HASH];
                        in.readFully(sent);
                        return new Received(h.epoch, h.commitment, pausedAt, cpuState, verify(sent, cpu));
                    }
                    case MemoryStreamFormat.ABORT -> throw new MigrationAbortedException("the source aborted the migration: "
                            + new String(blob(in), StandardCharsets.UTF_8), null);
                    default -> throw new MigrationStreamException("unknown record type 0x" + Integer.toHexString(type) + " in the memory stream");
                }
            }
        } catch (EOFException e) {
            throw new MigrationStreamException("the memory stream ended inside a record (truncated)", e);
        } catch (IOException e) {
            throw new MigrationStreamException("the memory stream failed: " + e.getMessage(), e);
        }
    }

    private record Header(long epoch, byte[] commitment) {
    }

    private Header header(DataInputStream in) throws IOException, MigrationStreamException {
        int magic = in.readInt();
        if (magic != MemoryStreamFormat.MAGIC) {
            throw new MigrationStreamException("not a memory migration stream (magic 0x" + Integer.toHexString(magic) + ")");
        }
        int version = in.readUnsignedShort();
        int pageSize = in.readUnsignedShort();
        if (version != MemoryStreamFormat.VERSION || pageSize != GuestMemory.PAGE) {
            throw new MigrationStreamException("unsupported memory stream version " + version + " / page size " + pageSize);
        }
        byte[] name = new byte[in.readUnsignedByte()];
        in.readFully(name);
        String vm = new String(name, StandardCharsets.UTF_8);
        long bytes = in.readLong();
        if (!vm.equals(spec.name()) || bytes != spec.memoryBytes()) {
            throw new MigrationStreamException("the stream is for VM " + vm + " with " + bytes + " bytes, this destination expects "
                    + spec.name() + " with " + spec.memoryBytes());
        }
        long epoch = in.readLong();
        if (epoch < 2) {
            throw new MigrationStreamException("epoch " + epoch + ": a migrated VM is at epoch 2 or later");
        }
        byte[] commitment = new byte[MemoryDigest.HASH];
        in.readFully(commitment);
        return new Header(epoch, commitment);
    }

    private void page(DataInputStream in, boolean zero) throws IOException, MigrationStreamException {
        int page = in.readInt();
        if (page < 0 || page >= memory.pageCount()) {
            throw new MigrationStreamException("page " + Integer.toUnsignedString(page) + " is outside the VM's " + memory.pageCount() + " pages");
        }
        if (zero) {
            memory.zeroPage(page);
        } else {
            in.readFully(buffer);
            memory.putPage(page, buffer);
        }
        MemoryDigest.hashPage(sha, buffer, zero, pageHashes, page);
        received.set(page);
    }

    private byte[] verify(byte[] sent, byte[] cpu) throws MigrationStreamException {
        int missing = memory.pageCount() - received.cardinality();
        if (missing != 0) {
            throw new MigrationStreamException(missing + " pages never arrived (first: " + received.nextClearBit(0) + ")");
        }
        byte[] mine = MemoryDigest.of(pageHashes, cpu);
        if (!MessageDigest.isEqual(mine, sent)) {
            throw new MemoryDigestMismatchException("the memory received differs from the source's memory at pause (digest mismatch)");
        }
        return mine;
    }

    private CpuState cpuState(byte[] cpu) throws MigrationStreamException {
        try {
            CpuState s = CpuState.decode(cpu);
            if ((long) s.program().memoryMib() << 20 != spec.memoryBytes()) {
                throw new MigrationStreamException("the CPU state's program is for " + s.program().memoryMib() + " MiB of memory");
            }
            return s;
        } catch (IllegalArgumentException e) {
            throw new MigrationStreamException("malformed CPU state: " + e.getMessage(), e);
        }
    }

    private static byte[] blob(DataInputStream in) throws IOException, MigrationStreamException {
        int n = in.readUnsignedShort();
        if (n > MemoryStreamFormat.MAX_BLOB) {
            throw new MigrationStreamException("a record of " + n + " bytes is larger than allowed");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    private static Instant instant(long seconds, int nanos) throws MigrationStreamException {
        try {
            if (nanos < 0 || nanos > 999_999_999) {
                throw new DateTimeException("nanos " + nanos);
            }
            return Instant.ofEpochSecond(seconds, nanos);
        } catch (DateTimeException e) {
            throw new MigrationStreamException("malformed pause time in the memory stream", e);
        }
    }

    private static void expect(boolean ok, String what) throws MigrationStreamException {
        if (!ok) {
            throw new MigrationStreamException("memory stream out of order: " + what);
        }
    }
}
