package org.attestedmigration.cli.demo;

import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.attestedmigration.attestation.AttestationException;
import org.attestedmigration.attestation.AttestationKey;
import org.attestedmigration.attestation.AttestationKeyActivation;
import org.attestedmigration.attestation.Check;
import org.attestedmigration.attestation.EndorsementKey;
import org.attestedmigration.attestation.EndorsementKeyType;
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
import org.attestedmigration.policy.EvaluationContext;
import org.attestedmigration.policy.PeerRole;
import org.attestedmigration.policy.Policy;
import org.attestedmigration.policy.Verdict;

/**
 * One direction of the demo's mutual attestation, both roles in this process: the verifier
 * validates the prover's EK certificate against the policy's manufacturers, activates its AK,
 * has it quote a fresh nonce, verifies the evidence and evaluates the policy.
 */
final class HostAttestation {
    private static final SecureRandom RANDOM = new SecureRandom();

    private HostAttestation() {
    }

    /** Attestation of {@code prover} for an exchange of VMs, with only the verification, no policy. */
    static VerifiedEvidence verify(EmulatedHost prover, EkCertificateValidator manufacturers, HashAlgorithm bank)
            throws AttestationException {
        byte[] nonce = new byte[32];
        RANDOM.nextBytes(nonce);
        PcrSelection quoted = PcrSelection.of(bank, 0, 17, 18, 19);
        try (Tpm tpm = prover.openTpm()) {
            AttestationKey ak = tpm.createAttestationKey(KeyAlgorithm.ECC_P256);
            EndorsementKey ek = tpm.endorsementKey(EndorsementKeyType.RSA_2048);
            X509Certificate ekCert = ek.certificate().orElseThrow(() ->
                    new VerificationException(Check.EK_CERTIFICATE, prover.name() + " has no EK certificate"));
            AttestationKeyActivation activation = AttestationKeyActivation.challenge(manufacturers, ekCert, ek.publicArea(), ak.publicArea(),
                    Instant.now());
            TrustedAttestationKey trusted = activation.verifyAnswer(tpm.activateCredential(ak, EndorsementKeyType.RSA_2048,
                    activation.credential().credentialBlob(), activation.credential().encryptedSecret()));
            return Verifier.trusting(trusted).requiring(List.of(quoted))
                    .verify(tpm.attest(ak, nonce, List.of(quoted), prover.eventLog().encode()), nonce);
        }
    }

    /** The outcome as the demo reports it. */
    record Outcome(String verifier, String prover, Verdict verdict, String akName, String pcr18, long milliseconds) {
        boolean accepted() {
            return verdict.accepted();
        }
    }

    static Outcome run(EmulatedHost verifier, EmulatedHost prover, PeerRole proverRole, Policy policy) throws AttestationException {
        long start = System.nanoTime();
        Instant nonceIssued = Instant.now();
        EvaluationContext context = new EvaluationContext(verifier.name(), prover.name(), proverRole, nonceIssued, Instant.now(), Optional.empty());
        try {
            VerifiedEvidence evidence = verify(prover, policy.ekManufacturerValidator(), policy.measurements().bank());
            Verdict verdict = policy.evaluate(evidence, new EvaluationContext(context.localHost(), context.peerHost(), proverRole,
                    nonceIssued, Instant.now(), Optional.empty()));
            return new Outcome(verifier.name(), prover.name(), verdict, HexFormat.of().formatHex(evidence.attestationKey().name()),
                    HexFormat.of().formatHex(evidence.pcrs().get(policy.measurements().bank(), 18).orElseThrow()), millis(start));
        } catch (VerificationException e) {
            return new Outcome(verifier.name(), prover.name(), Verdict.rejectedBy(e), "", "", millis(start));
        }
    }

    private static long millis(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
