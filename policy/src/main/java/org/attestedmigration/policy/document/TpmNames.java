package org.attestedmigration.policy.document;

import java.util.Optional;
import org.attestedmigration.attestation.HashAlgorithm;

/** Checks a TPM object name: a 2-byte TPM_ALG_ID naming a hash, then a digest of that hash's size. */
final class TpmNames {
    private TpmNames() {
    }

    static boolean isValid(byte[] name) {
        return problem(name).isEmpty();
    }

    /** Why {@code name} is not a TPM name, or empty if it is one. */
    static Optional<String> problem(byte[] name) {
        if (name.length < 2) {
            return Optional.of("expected a TPM name (2-byte hash algorithm id, then its digest; 34 bytes for 000b + sha256), found "
                    + name.length + " bytes");
        }
        int algId = ((name[0] & 0xff) << 8) | (name[1] & 0xff);
        Optional<HashAlgorithm> alg = HashAlgorithm.fromTpmAlgId(algId);
        if (alg.isEmpty()) {
            return Optional.of(String.format("expected a TPM name starting with a hash algorithm id (0004, 000b, 000c, 000d), found %04x", algId));
        }
        int expected = 2 + alg.get().digestLength();
        if (name.length != expected) {
            return Optional.of("wrong digest length: expected " + expected + " bytes (a TPM name: 2-byte algorithm id "
                    + String.format("%04x", algId) + " + " + alg.get().digestLength() + "-byte " + alg.get().bankName() + " digest), found "
                    + name.length + " bytes");
        }
        return Optional.empty();
    }
}
