package org.attestedmigration.migrationcore.memory;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.attestedmigration.migrationcore.hypervisor.VmSpec;

/** Writes the records of {@link MemoryStreamFormat}; one thread at a time. */
final class MemoryStreamWriter {
    private final DataOutputStream out;

    MemoryStreamWriter(OutputStream out) {
        this.out = new DataOutputStream(new BufferedOutputStream(out, 256 * 1024));
    }

    void header(VmSpec spec, long epoch, byte[] commitment) throws IOException {
        byte[] name = spec.name().getBytes(StandardCharsets.UTF_8);
        out.writeInt(MemoryStreamFormat.MAGIC);
        out.writeShort(MemoryStreamFormat.VERSION);
        out.writeShort(GuestMemory.PAGE);
        out.writeByte(name.length);
        out.write(name);
        out.writeLong(spec.memoryBytes());
        out.writeLong(epoch);
        out.write(commitment);
    }

    void page(int page, byte[] data) throws IOException {
        out.writeByte(MemoryStreamFormat.PAGE);
        out.writeInt(page);
        out.write(data, 0, GuestMemory.PAGE);
    }

    void zero(int page) throws IOException {
        out.writeByte(MemoryStreamFormat.ZERO);
        out.writeInt(page);
    }

    /** Ends a round and pushes it out: the destination sees progress even when no page was dirty. */
    void roundEnd(int round) throws IOException {
        out.writeByte(MemoryStreamFormat.ROUND_END);
        out.writeInt(round);
        out.flush();
    }

    void paused(Instant at) throws IOException {
        out.writeByte(MemoryStreamFormat.PAUSED);
        out.writeLong(at.getEpochSecond());
        out.writeInt(at.getNano());
    }

    void cpuState(byte[] state) throws IOException {
        out.writeByte(MemoryStreamFormat.CPU_STATE);
        out.writeShort(state.length);
        out.write(state);
    }

    void end(byte[] digest) throws IOException {
        out.writeByte(MemoryStreamFormat.END);
        out.write(digest);
        out.flush();
    }

    void abort(String reason) throws IOException {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(r.length, MemoryStreamFormat.MAX_BLOB);
        out.writeByte(MemoryStreamFormat.ABORT);
        out.writeShort(n);
        out.write(r, 0, n);
        out.flush();
    }

    void close() throws IOException {
        out.close();
    }
}
