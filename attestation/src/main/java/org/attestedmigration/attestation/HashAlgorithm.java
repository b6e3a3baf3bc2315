package org.attestedmigration.attestation;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/** The TPM hash algorithms (TPM_ALG_ID) this project handles, with their JCA names. */
public enum HashAlgorithm {
    SHA1(0x0004, 20, "SHA-1", "sha1"),
    SHA256(0x000B, 32, "SHA-256", "sha256"),
    SHA384(0x000C, 48, "SHA-384", "sha384"),
    SHA512(0x000D, 64, "SHA-512", "sha512");

    private final int tpmAlgId;
    private final int digestLength;
    private final String jcaName;
    private final String bankName;

    HashAlgorithm(int tpmAlgId, int digestLength, String jcaName, String bankName) {
        this.tpmAlgId = tpmAlgId;
        this.digestLength = digestLength;
        this.jcaName = jcaName;
        this.bankName = bankName;
    }

    /** TPM_ALG_ID as it appears on the wire. */
    public int tpmAlgId() {
        return tpmAlgId;
    }

    public int digestLength() {
        return digestLength;
    }

    public String jcaName() {
        return jcaName;
    }

    /** The name tpm2-tools and policies use for the PCR bank: sha1, sha256, ... */
    public String bankName() {
        return bankName;
    }

    public static Optional<HashAlgorithm> fromTpmAlgId(int id) {
        for (HashAlgorithm a : values()) {
            if (a.tpmAlgId == id) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    public static Optional<HashAlgorithm> fromBankName(String name) {
        for (HashAlgorithm a : values()) {
            if (a.bankName.equalsIgnoreCase(name)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    public MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance(jcaName);
        } catch (NoSuchAlgorithmException e) {
            // Every Java runtime ships these four; their absence is a broken JRE, not a user error.
            throw new IllegalStateException(jcaName + " is missing from this Java runtime", e);
        }
    }

    /** Hash of the concatenation of the parts. */
    public byte[] digest(byte[]... parts) {
        MessageDigest md = newDigest();
        for (byte[] p : parts) {
            md.update(p);
        }
        return md.digest();
    }

    /** The PCR extend operation: H(old || measurement). */
    public byte[] extend(byte[] pcrValue, byte[] measurement) {
        return digest(pcrValue, measurement);
    }
}
