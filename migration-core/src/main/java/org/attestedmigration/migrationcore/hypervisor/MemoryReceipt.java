package org.attestedmigration.migrationcore.hypervisor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Objects;

/**
 * The destination's proof that it holds the VM's memory and CPU state as of the source's pause:
 * the digest it computed over what it stored, which matched the digest at the end of the stream.
 * The source hands over only against a receipt for its own epoch and digest.
 */
public final class MemoryReceipt {
    private final String vmName;
    private final long epoch;
    private final byte[] digest;
    private final Instant sourcePausedAt;

    public MemoryReceipt(String vmName, long epoch, byte[] digest, Instant sourcePausedAt) {
        this.vmName = Objects.requireNonNull(vmName, "vmName");
        this.epoch = epoch;
        if (digest.length != 32) {
            throw new IllegalArgumentException("a memory digest is 32 bytes");
        }
        this.digest = digest.clone();
        this.sourcePausedAt = Objects.requireNonNull(sourcePausedAt, "sourcePausedAt");
    }

    public String vmName() {
        return vmName;
    }

    public long epoch() {
        return epoch;
    }

    public byte[] digest() {
        return digest.clone();
    }

    /** The source's pause time as the stream carried it. */
    public Instant sourcePausedAt() {
        return sourcePausedAt;
    }

    /** True if the receipt is for this VM, epoch and digest (constant-time digest comparison). */
    public boolean confirms(String vm, long expectedEpoch, byte[] expectedDigest) {
        return vmName.equals(vm) && epoch == expectedEpoch && MessageDigest.isEqual(digest, expectedDigest);
    }

    /** {@code u8 name length | name | u64 epoch | digest | u64 paused seconds | u32 nanos}, for the control stream. */
    public byte[] encode() {
        byte[] name = vmName.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + name.length + 8 + 32 + 12).put((byte) name.length).put(name).putLong(epoch).put(digest)
                .putLong(sourcePausedAt.getEpochSecond()).putInt(sourcePausedAt.getNano()).array();
    }

    /** @throws IllegalArgumentException if the bytes are not an encoded receipt */
    public static MemoryReceipt decode(byte[] encoded) {
        try {
            ByteBuffer b = ByteBuffer.wrap(encoded);
            byte[] name = new byte[Byte.toUnsignedInt(b.get())];
            b.get(name);
            long epoch = b.getLong();
            byte[] digest = new byte[32];
            b.get(digest);
            Instant paused = Instant.ofEpochSecond(b.getLong(), b.getInt());
            if (b.hasRemaining()) {
                throw new IllegalArgumentException("trailing bytes after the memory receipt");
            }
            return new MemoryReceipt(new String(name, StandardCharsets.UTF_8), epoch, digest, paused);
        } catch (java.nio.BufferUnderflowException | java.time.DateTimeException e) {
            throw new IllegalArgumentException("malformed memory receipt", e);
        }
    }

    @Override
    public String toString() {
        return "MemoryReceipt[" + vmName + ", epoch " + epoch + "]";
    }
}
