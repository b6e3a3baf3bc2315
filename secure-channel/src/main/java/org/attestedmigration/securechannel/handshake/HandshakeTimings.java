package org.attestedmigration.securechannel.handshake;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Where one side's handshake time went, for benchmarks and logs. {@code steps} are wall-clock
 * spans of the {@link HandshakeStep}s on this side, waiting for the peer included; {@code work}
 * is what this side computed, some of it overlapping (the TPM works while the handshake thread
 * verifies).
 *
 * @param total from TCP connect (or accept) to both verdicts
 */
public record HandshakeTimings(Duration total, Map<HandshakeStep, Duration> steps, Map<Work, Duration> work) {
    /** This side's own work items. */
    public enum Work {
        /** Making the ephemeral TLS key, certificate and context (zero when one was prepared in advance). */
        TLS_MATERIAL,
        /** Screening the peer's HELLO and deciding how its AK is trusted (incl. TPM2_MakeCredential in Java). */
        PLAN,
        /** TPM2_Quote and the PCR read on this side's TPM. */
        TPM_QUOTE,
        /** TPM2_ActivateCredential on this side's TPM (when the peer challenged). */
        TPM_ACTIVATE,
        /** Checking the peer's credential answer. */
        ANSWER_CHECK,
        /** Verifying the peer's evidence: signature, nonce binding, PCRs, event-log replay. */
        EVIDENCE_VERIFY,
        /** Evaluating the policy on the verified evidence. */
        POLICY
    }

    public HandshakeTimings {
        Objects.requireNonNull(total, "total");
        steps = Collections.unmodifiableMap(steps.isEmpty() ? new EnumMap<>(HandshakeStep.class) : new EnumMap<>(steps));
        work = Collections.unmodifiableMap(work.isEmpty() ? new EnumMap<>(Work.class) : new EnumMap<>(work));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format("%.2f ms;", total.toNanos() / 1e6));
        steps.forEach((k, v) -> sb.append(String.format(" %s %.2f", k, v.toNanos() / 1e6)));
        sb.append(";");
        work.forEach((k, v) -> sb.append(String.format(" %s %.2f", k, v.toNanos() / 1e6)));
        return sb.toString();
    }
}
