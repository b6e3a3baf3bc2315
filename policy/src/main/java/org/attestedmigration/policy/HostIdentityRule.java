package org.attestedmigration.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code host.identity}: the peer's claimed name is a policy host, and the TPM that signed the
 * evidence is that host's: its EK public key hash and/or pinned AK name, every one the entry
 * lists, match.
 */
final class HostIdentityRule implements PolicyRule {
    static final String ID = "host.identity";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<RuleResult> evaluate(RuleInput in) {
        if (in.peer().isEmpty()) {
            // The verdict goes to the peer too: a stranger learns that it is unknown, not who is known.
            return List.of(RuleResult.fail(ID, "host '" + in.peerName() + "' is not a host of policy '" + in.policy().name() + "'"
                    + (in.policy().hosts().isEmpty() ? " (the policy has no hosts)" : "")));
        }
        HostEntry host = in.peer().get();
        List<String> matched = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        host.ekPublicKeySha256().ifPresent(expected -> {
            Optional<HexValue> actual = in.ekPublicKeySha256();
            if (actual.isEmpty() && host.akName().isPresent()) {
                // A pinned AK was recorded after activation against this EK (enrollment), and an AK
                // cannot leave its TPM: matching it below identifies the TPM without the EK.
                notes.add("the EK is not re-proven offline: the pinned AK identifies the TPM");
            } else if (actual.isEmpty()) {
                problems.add("host '" + host.name() + "' is identified by its EK public key hash " + expected.abbreviated()
                        + ", but the evidence's AK was " + in.evidence().trustBasis().name().toLowerCase()
                        + ", not activated against an EK certificate, so its EK is unknown");
            } else if (!actual.get().equals(expected)) {
                problems.add("EK public key hash " + actual.get().abbreviated() + " is not host '" + host.name() + "''s "
                        + expected.abbreviated() + " (another TPM)");
            } else {
                matched.add("EK public key hash " + expected.abbreviated());
            }
        });
        host.akName().ifPresent(expected -> {
            if (!in.akName().equals(expected)) {
                problems.add("AK name " + in.akName().abbreviated() + " is not host '" + host.name() + "''s pinned AK "
                        + expected.abbreviated());
            } else {
                matched.add("pinned AK name " + expected.abbreviated());
            }
        });
        if (!problems.isEmpty()) {
            return List.of(RuleResult.fail(ID, String.join("; ", problems)));
        }
        String note = notes.isEmpty() ? "" : " (" + String.join("; ", notes) + ")";
        return List.of(RuleResult.pass(ID, "host '" + host.name() + "' matched by " + String.join(" and ", matched) + note));
    }
}
