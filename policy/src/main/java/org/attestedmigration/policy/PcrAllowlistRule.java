package org.attestedmigration.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code pcr.N}, one result per PCR the policy lists: its quoted value is one of the allowed values. */
final class PcrAllowlistRule implements PolicyRule {
    static final String ID_PREFIX = "pcr.";

    @Override
    public String id() {
        return "pcr";
    }

    @Override
    public List<RuleResult> evaluate(RuleInput in) {
        List<RuleResult> results = new ArrayList<>();
        for (Map.Entry<Integer, List<NamedDigest>> e : in.policy().measurements().pcrs().entrySet()) {
            results.add(check(in, e.getKey(), e.getValue()));
        }
        return results;
    }

    private static RuleResult check(RuleInput in, int pcr, List<NamedDigest> allowed) {
        String id = ID_PREFIX + pcr;
        Optional<byte[]> value = in.evidence().pcrs().get(in.bank(), pcr);
        if (value.isEmpty()) {
            return RuleResult.fail(id, "PCR " + pcr + ": not covered by the quote in the " + in.bank().bankName()
                    + " bank, so its value is unknown " + RuleText.allowed(allowed));
        }
        Optional<NamedDigest> match = allowed.stream().filter(a -> a.digest().matches(value.get())).findFirst();
        if (match.isPresent()) {
            return RuleResult.pass(id, "PCR " + pcr + ": value " + RuleText.hex(value.get()) + " is '" + match.get().name() + "'");
        }
        return RuleResult.fail(id, "PCR " + pcr + ": value " + RuleText.hex(value.get()) + " is not in allowlist "
                + RuleText.allowed(allowed));
    }
}
