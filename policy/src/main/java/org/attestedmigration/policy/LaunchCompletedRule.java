package org.attestedmigration.policy;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * {@code launch.completed}: PCR 17 in the policy's bank shows a completed dynamic launch. The
 * verifier checks this only in the banks it requires; the policy may use another.
 */
final class LaunchCompletedRule implements PolicyRule {
    static final String ID = "launch.completed";
    private static final int DRTM_PCR = 17;

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<RuleResult> evaluate(RuleInput in) {
        String where = "PCR " + DRTM_PCR + " (" + in.bank().bankName() + ")";
        Optional<byte[]> value = in.evidence().pcrs().get(in.bank(), DRTM_PCR);
        if (value.isEmpty()) {
            return List.of(RuleResult.fail(ID, where + " is not covered by the quote"));
        }
        byte[] v = value.get();
        if (all(v, (byte) 0xff)) {
            return List.of(RuleResult.fail(ID, where + " is all-FF: no dynamic launch happened since boot, or it failed"));
        }
        if (all(v, (byte) 0)) {
            return List.of(RuleResult.fail(ID, where + " is zero: the launch reset it but measured nothing"));
        }
        return List.of(RuleResult.pass(ID, where + " = " + RuleText.hex(v) + ": a dynamic launch completed"));
    }

    private static boolean all(byte[] value, byte b) {
        byte[] same = new byte[value.length];
        Arrays.fill(same, b);
        return Arrays.equals(value, same);
    }
}
