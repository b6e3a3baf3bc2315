package org.attestedmigration.tpmsimulatortests;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import org.attestedmigration.attestation.AttestationException;
import org.attestedmigration.attestation.AttestationKey;
import org.attestedmigration.attestation.Evidence;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.KeyAlgorithm;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.attestedmigration.attestation.txt.SampleLaunch;

/** Emulated hosts and their evidence, as the tests need them. */
final class Hosts {
    static final List<PcrSelection> QUOTED = List.of(
            PcrSelection.of(HashAlgorithm.SHA256, 0, 17, 18, 19),
            PcrSelection.of(HashAlgorithm.SHA1, 17, 18, 19));
    private static final SecureRandom RANDOM = new SecureRandom();

    private Hosts() {
    }

    static EmulatedHost bootTrusted(Path dir, String name) throws AttestationException {
        return EmulatedHost.boot(name, dir.resolve(name), SampleLaunch.trusted().components());
    }

    static byte[] nonce() {
        byte[] n = new byte[32];
        RANDOM.nextBytes(n);
        return n;
    }

    /** The host's AK public area and evidence bound to {@code nonce}. */
    record Attested(byte[] akPublicArea, Evidence evidence) {
    }

    static Attested attest(EmulatedHost host, KeyAlgorithm algorithm, byte[] nonce) throws AttestationException {
        try (Tpm tpm = host.openTpm()) {
            AttestationKey ak = tpm.createAttestationKey(algorithm);
            return new Attested(ak.publicArea(), tpm.attest(ak, nonce, QUOTED, host.eventLog().encode()));
        }
    }
}
