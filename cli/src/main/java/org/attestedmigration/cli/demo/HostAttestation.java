package org.attestedmigration.cli.demo;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.attestedmigration.attestation.AttestationException;
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
import org.attestedmigration.attestation.VerificationException;
import org.attestedmigration.attestation.VerifiedEvidence;
import org.attestedmigration.attestation.Verifier;
import org.attestedmigration.attestation.ek.EkCertificateValidator;
import org.attestedmigration.attestation.swtpm.EmulatedHost;

/**
 * One direction of the demo's mutual attestation, with both roles in this process: the verifier
 * validates the prover's EK certificate, activates its AK, sends a nonce, and verifies the quoted
 * TXT launch against the reference.
 */
final class HostAttestation {
    private static final byte[] LABEL = "attested-migration demo v1".getBytes(StandardCharsets.US_ASCII);
    private static final List<PcrSelection> QUOTED = List.of(PcrSelection.of(HashAlgorithm.SHA256, 0, 17, 18, 19));
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The outcome as the demo reports it. */
    record Outcome(String verifier, String prover, boolean accepted, String reason, String ekIssuer, String akName,
            String pcr17, String pcr18, String pcr19, long milliseconds) {
    }

    private HostAttestation() {
    }

    static Outcome run(EmulatedHost verifier, EmulatedHost prover, ReferenceLaunch reference) throws AttestationException {
        long start = System.nanoTime();
        List<X509Certificate> manufacturer = prover.manufacturerCertificates();
        EkCertificateValidator validator = new EkCertificateValidator(List.of(manufacturer.get(0)), List.of(manufacturer.get(1)));
        byte[] nonce = new byte[32];
        RANDOM.nextBytes(nonce);
        byte[] extraData = HashAlgorithm.SHA256.digest(LABEL, nonce);
        String ekIssuer = "";
        String akName = "";
        try (Tpm tpm = prover.openTpm()) {
            AttestationKey ak = tpm.createAttestationKey(KeyAlgorithm.ECC_P256);
            akName = java.util.HexFormat.of().formatHex(ak.name());
            EndorsementKey ek = tpm.endorsementKey(EndorsementKeyType.RSA_2048);
            X509Certificate ekCert = ek.certificate().orElseThrow(() -> new VerificationException(
                    org.attestedmigration.attestation.Check.EK_CERTIFICATE, prover.name() + " has no EK certificate"));
            ekIssuer = ekCert.getIssuerX500Principal().getName();
            AttestationKeyActivation activation = AttestationKeyActivation.challenge(validator, ekCert, ek.publicArea(), ak.publicArea(), Instant.now());
            byte[] answer = tpm.activateCredential(ak, EndorsementKeyType.RSA_2048,
                    activation.credential().credentialBlob(), activation.credential().encryptedSecret());
            TrustedAttestationKey trusted = activation.verifyAnswer(answer);
            Evidence evidence = tpm.attest(ak, extraData, QUOTED, prover.eventLog().encode());
            VerifiedEvidence verified = Verifier.trusting(trusted).verify(evidence, extraData);
            Optional<String> mismatch = reference.mismatch(verified);
            return new Outcome(verifier.name(), prover.name(), mismatch.isEmpty(), mismatch.orElse("TXT launch matches the reference"),
                    ekIssuer, akName, hex(verified, 17), hex(verified, 18), hex(verified, 19), millis(start));
        } catch (VerificationException e) {
            return new Outcome(verifier.name(), prover.name(), false, e.getMessage(), ekIssuer, akName, "", "", "", millis(start));
        }
    }

    private static String hex(VerifiedEvidence v, int pcr) {
        return java.util.HexFormat.of().formatHex(v.pcrs().get(HashAlgorithm.SHA256, pcr).orElseThrow());
    }

    private static long millis(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
