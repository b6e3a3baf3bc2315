package org.attestedmigration.securechannel.handshake;

import java.util.List;
import java.util.TreeSet;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.policy.Policy;

/**
 * Which PCRs a quote covers: the TXT launch's PCR 17, 18 and 19 plus every PCR the policy has an
 * allowlist for, in the policy's bank. Both sides load the same policy, so the prover quotes
 * exactly what the verifier requires.
 */
final class QuotedPcrs {
    private QuotedPcrs() {
    }

    static List<PcrSelection> forPolicy(Policy policy) {
        TreeSet<Integer> pcrs = new TreeSet<>(List.of(17, 18, 19));
        pcrs.addAll(policy.measurements().pcrs().keySet());
        return List.of(new PcrSelection(policy.measurements().bank(), pcrs));
    }
}
