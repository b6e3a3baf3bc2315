package org.attestedmigration.attestation.credential;

import java.util.Optional;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.MalformedStructureException;

/** Checks of an object's TPM name, which arrives from the attester and so is untrusted. */
final class TpmNames {
    private TpmNames() {
    }

    /**
     * Accepts only the name of an object (2-byte nameAlg then its digest); handle names of four
     * bytes cannot be the subject of a credential.
     */
    static void checkObjectName(byte[] name) throws MalformedStructureException {
        if (name == null || name.length < 2) {
            throw new MalformedStructureException("AK name: shorter than its 2-byte nameAlg");
        }
        int algId = ((name[0] & 0xFF) << 8) | (name[1] & 0xFF);
        Optional<HashAlgorithm> alg = HashAlgorithm.fromTpmAlgId(algId);
        if (alg.isEmpty()) {
            throw new MalformedStructureException(String.format("AK name: nameAlg 0x%04x is not a supported hash", algId));
        }
        int expected = 2 + alg.get().digestLength();
        if (name.length != expected) {
            throw new MalformedStructureException("AK name: " + name.length + " bytes, but a " + alg.get().jcaName()
                    + " name has " + expected);
        }
    }
}
