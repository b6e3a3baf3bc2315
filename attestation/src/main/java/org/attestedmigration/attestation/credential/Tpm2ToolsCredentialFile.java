package org.attestedmigration.attestation.credential;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.attestedmigration.attestation.MalformedStructureException;

/**
 * The file that {@code tpm2_makecredential -o} writes and {@code tpm2_activatecredential -i}
 * reads, so that a credential made here can be activated with stock tpm2-tools. Layout, all
 * integers big-endian: magic {@code 0xBADCC0DE} (4 bytes), version 1 (4 bytes), the
 * TPM2B_ID_OBJECT (2-byte size + credential blob), the TPM2B_ENCRYPTED_SECRET (2-byte size +
 * encrypted seed), nothing after.
 */
public final class Tpm2ToolsCredentialFile {
    /** The tpm2-tools file header magic. */
    public static final int MAGIC = 0xBADCC0DE;
    /** The only version tpm2-tools writes and reads. */
    public static final int VERSION = 1;

    private Tpm2ToolsCredentialFile() {
    }

    public static byte[] encode(EncryptedCredential credential) {
        byte[] blob = credential.credentialBlob();
        byte[] secret = credential.encryptedSecret();
        return ByteBuffer.allocate(8 + 2 + blob.length + 2 + secret.length).order(ByteOrder.BIG_ENDIAN)
                .putInt(MAGIC).putInt(VERSION)
                .put(Tpm2b.encode(blob))
                .put(Tpm2b.encode(secret))
                .array();
    }

    /** @throws MalformedStructureException naming the field that is wrong */
    public static EncryptedCredential parse(byte[] file) throws MalformedStructureException {
        ByteBuffer in = ByteBuffer.wrap(file).order(ByteOrder.BIG_ENDIAN);
        if (in.remaining() < 8) {
            throw new MalformedStructureException("tpm2-tools credential file: shorter than its 8-byte header");
        }
        int magic = in.getInt();
        if (magic != MAGIC) {
            throw new MalformedStructureException(String.format(
                    "tpm2-tools credential file: magic 0x%08x, expected 0x%08x", magic, MAGIC));
        }
        int version = in.getInt();
        if (version != VERSION) {
            throw new MalformedStructureException("tpm2-tools credential file: version " + version + ", expected "
                    + VERSION);
        }
        byte[] blob = Tpm2b.read(in, "tpm2-tools credential file: TPM2B_ID_OBJECT");
        byte[] secret = Tpm2b.read(in, "tpm2-tools credential file: TPM2B_ENCRYPTED_SECRET");
        if (in.hasRemaining()) {
            throw new MalformedStructureException("tpm2-tools credential file: " + in.remaining()
                    + " trailing bytes after TPM2B_ENCRYPTED_SECRET");
        }
        return new EncryptedCredential(blob, secret);
    }
}
