package org.attestedmigration.cli.demo;

import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import org.attestedmigration.attestation.AttestationException;
import org.attestedmigration.attestation.DirectAttestation;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.attestation.VerificationException;
import org.attestedmigration.attestation.VerifiedEvidence;
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
public final class HostAttestation {
    private HostAttestation() {
    }

    /** Verified evidence of {@code prover}, before any policy. */
    public static VerifiedEvidence verify(EmulatedHost prover, EkCertificateValidator manufacturers, HashAlgorithm bank)
            throws AttestationException {
        try (Tpm tpm = prover.openTpm()) {
            return DirectAttestation.attest(tpm, manufacturers, PcrSelection.of(bank, 0, 17, 18, 19), prover.eventLog().encode());
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
