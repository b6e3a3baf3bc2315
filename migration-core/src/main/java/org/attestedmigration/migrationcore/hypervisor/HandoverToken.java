package org.attestedmigration.migrationcore.hypervisor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

/**
 * The source's permission for the destination to run the VM at {@code epoch}.
 *
 * <p>The source picks a random secret when the migration starts and sends only its commitment
 * (SHA-256) in the memory stream; it reveals the secret only once it has paused and handed over
 * for good. The destination resumes only with a secret that opens the commitment it received, so
 * it cannot run the VM before the source stopped for good, whatever the orchestrator does. The
 * token travels on the control stream of the attested channel.
 */
public final class HandoverToken {
    /** Bytes of the secret. */
    public static final int SECRET_BYTES = 32;
    private static final byte[] DOMAIN = "attested-migration handover v1".getBytes(StandardCharsets.US_ASCII);

    private final String vmName;
    private final long epoch;
    private final byte[] secret;

    public HandoverToken(String vmName, long epoch, byte[] secret) {
        this.vmName = Objects.requireNonNull(vmName, "vmName");
        if (epoch < 1) {
            throw new IllegalArgumentException("epoch must be positive");
        }
        if (secret.length != SECRET_BYTES) {
            throw new IllegalArgumentException("handover secret must be " + SECRET_BYTES + " bytes");
        }
        this.epoch = epoch;
        this.secret = secret.clone();
    }

    /** A token with a fresh secret, kept by the source until handover. */
    public static HandoverToken generate(String vmName, long epoch, SecureRandom random) {
        byte[] s = new byte[SECRET_BYTES];
        random.nextBytes(s);
        return new HandoverToken(vmName, epoch, s);
    }

    public String vmName() {
        return vmName;
    }

    public long epoch() {
        return epoch;
    }

    /** SHA-256 over a domain label, the VM name, the epoch and the secret: safe to publish. */
    public byte[] commitment() {
        MessageDigest sha = sha256();
        sha.update(DOMAIN);
        sha.update(vmName.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(ByteBuffer.allocate(8).putLong(epoch).array());
        sha.update(secret);
        return sha.digest();
    }

    /** True if this token is the one committed to (constant time). */
    public boolean opens(byte[] commitment) {
        return MessageDigest.isEqual(commitment(), commitment);
    }

    /** {@code u8 name length | name | u64 epoch | secret}, for the control stream. */
    public byte[] encode() {
        byte[] name = vmName.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + name.length + 8 + SECRET_BYTES).put((byte) name.length).put(name).putLong(epoch).put(secret).array();
    }

    /** @throws IllegalArgumentException if the bytes are not an encoded token */
    public static HandoverToken decode(byte[] encoded) {
        try {
            ByteBuffer b = ByteBuffer.wrap(encoded);
            byte[] name = new byte[Byte.toUnsignedInt(b.get())];
            b.get(name);
            long epoch = b.getLong();
            byte[] secret = new byte[SECRET_BYTES];
            b.get(secret);
            if (b.hasRemaining()) {
                throw new IllegalArgumentException("trailing bytes after the handover token");
            }
            return new HandoverToken(new String(name, StandardCharsets.UTF_8), epoch, secret);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated handover token", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HandoverToken t && t.vmName.equals(vmName) && t.epoch == epoch && MessageDigest.isEqual(t.secret, secret);
    }

    @Override
    public int hashCode() {
        return Objects.hash(vmName, epoch, Arrays.hashCode(secret));
    }

    /** Never shows the secret: it is a capability. */
    @Override
    public String toString() {
        return "HandoverToken[" + vmName + ", epoch " + epoch + "]";
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
