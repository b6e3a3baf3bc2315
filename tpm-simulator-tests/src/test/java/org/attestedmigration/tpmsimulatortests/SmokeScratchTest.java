package org.attestedmigration.tpmsimulatortests;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.attestedmigration.attestation.*;
import org.attestedmigration.attestation.swtpm.SoftwareTpm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmokeScratchTest {
    @Test
    void smoke(@TempDir Path dir) throws Exception {
        long t0 = System.nanoTime();
        try (SoftwareTpm sw = SoftwareTpm.start(dir); Tpm tpm = Tpm.open(sw.uri())) {
            System.out.println("started in " + (System.nanoTime() - t0) / 1e6 + " ms " + sw.uri());
            System.out.println(tpm.readPcrs(PcrSelection.of(HashAlgorithm.SHA256, 0, 17, 18)));
            EndorsementKey ek = tpm.endorsementKey(EndorsementKeyType.RSA_2048);
            System.out.println("EK cert " + ek.certificate().map(c -> c.getSubjectX500Principal().toString()).orElse("none"));
            EndorsementKey ek2 = tpm.endorsementKey(EndorsementKeyType.ECC_P384);
            System.out.println("EK2 cert " + ek2.certificate().map(c -> c.getIssuerX500Principal().toString()).orElse("none"));
            tpm.dynamicLaunch("sinit".getBytes());
            System.out.println(tpm.readPcrs(PcrSelection.of(HashAlgorithm.SHA256, 17, 18)));
            for (int loc : new int[] {0, 1, 2, 3, 4}) {
                try {
                    tpm.extendPcr(18, loc, Map.of(HashAlgorithm.SHA256, new byte[32], HashAlgorithm.SHA1, new byte[20]));
                    System.out.println("extend 18 at loc " + loc + " ok");
                } catch (TpmAccessException e) {
                    System.out.println("extend 18 at loc " + loc + ": " + e.getMessage());
                }
            }
            for (KeyAlgorithm a : KeyAlgorithm.values()) {
                long t = System.nanoTime();
                AttestationKey ak = tpm.createAttestationKey(a);
                System.out.println(a + " AK in " + (System.nanoTime() - t) / 1e6 + " ms name " + HexFormat.of().formatHex(ak.name()));
                t = System.nanoTime();
                Quote q = tpm.quote(ak, new byte[] {1, 2, 3}, List.of(PcrSelection.of(HashAlgorithm.SHA256, 0, 17, 18, 19)));
                System.out.println("quote in " + (System.nanoTime() - t) / 1e6 + " ms msg " + q.message().length + " sig " + q.signature().length
                        + " " + HexFormat.of().formatHex(q.signature(), 0, 8));
            }
        }
    }
}
