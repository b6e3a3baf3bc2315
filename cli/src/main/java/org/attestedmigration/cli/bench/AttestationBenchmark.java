package org.attestedmigration.cli.bench;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.attestedmigration.attestation.AttestationKey;
import org.attestedmigration.attestation.AttestationKeyActivation;
import org.attestedmigration.attestation.EndorsementKey;
import org.attestedmigration.attestation.EndorsementKeyType;
import org.attestedmigration.attestation.Evidence;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.KeyAlgorithm;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.attestation.TrustedAttestationKey;
import org.attestedmigration.attestation.Verifier;
import org.attestedmigration.attestation.ek.EkCertificateValidator;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.attestedmigration.attestation.txt.SampleLaunch;

/**
 * Times the attestation primitives on a real swtpm after an emulated TXT launch: AK creation,
 * quote, pure-Java evidence verification, and the AK credential activation round trip.
 */
public final class AttestationBenchmark {
    private static final List<PcrSelection> QUOTED = List.of(PcrSelection.of(HashAlgorithm.SHA256, 0, 17, 18, 19));

    private AttestationBenchmark() {
    }

    public static List<Timings> run(Path dir, int warmup, int runs, Consumer<Timings> progress) throws Exception {
        List<Timings> out = new ArrayList<>();
        try (EmulatedHost host = EmulatedHost.boot("bench", dir, SampleLaunch.trusted().components());
                Tpm tpm = host.openTpm()) {
            byte[] log = host.eventLog().encode();
            EndorsementKey ek = tpm.endorsementKey(EndorsementKeyType.RSA_2048);
            X509Certificate ekCert = ek.certificate().orElseThrow();
            List<X509Certificate> ca = host.manufacturerCertificates();
            EkCertificateValidator validator = new EkCertificateValidator(List.of(ca.get(0)), List.of(ca.get(1)));
            for (KeyAlgorithm alg : KeyAlgorithm.values()) {
                String name = alg == KeyAlgorithm.ECC_P256 ? "ECC P-256" : "RSA-2048";
                add(out, progress, Timings.measure("AK creation (CreatePrimary, " + name + ")", warmup, runs,
                        () -> tpm.release(tpm.createAttestationKey(alg))));
                AttestationKey ak = tpm.createAttestationKey(alg);
                byte[] nonce = new byte[32];
                add(out, progress, Timings.measure("quote of sha256:0,17,18,19 (" + name + ")", warmup, runs,
                        () -> tpm.quote(ak, nonce, QUOTED)));
                Evidence evidence = tpm.attest(ak, nonce, QUOTED, log);
                Verifier verifier = Verifier.trusting(TrustedAttestationKey.pinned(ak.publicArea()));
                add(out, progress, Timings.measure("evidence verification, pure Java (" + name + " AK, 10-event log)", warmup * 10, runs * 10,
                        () -> verifier.verify(evidence, nonce)));
                add(out, progress, Timings.measure("AK activation: MakeCredential + ActivateCredential (" + name + " AK, RSA EK)",
                        warmup, runs, () -> {
                            AttestationKeyActivation a = AttestationKeyActivation.challenge(validator, ekCert, ek.publicArea(),
                                    ak.publicArea(), Instant.now());
                            a.verifyAnswer(tpm.activateCredential(ak, EndorsementKeyType.RSA_2048,
                                    a.credential().credentialBlob(), a.credential().encryptedSecret()));
                        }));
                tpm.release(ak);
            }
        }
        return out;
    }

    private static void add(List<Timings> out, Consumer<Timings> progress, Timings t) {
        out.add(t);
        progress.accept(t);
    }
}
