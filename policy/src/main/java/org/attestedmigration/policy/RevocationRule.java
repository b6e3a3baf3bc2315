package org.attestedmigration.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code host.revoked}: neither the claimed host nor a key that identifies it is revoked. Keys are
 * checked both as the evidence proves them and as the host entry lists them, so revoking a key
 * excludes its host even when the evidence came from elsewhere.
 */
final class RevocationRule implements PolicyRule {
    static final String ID = "host.revoked";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<RuleResult> evaluate(RuleInput in) {
        Revocations revoked = in.policy().revoked();
        List<String> problems = new ArrayList<>();
        if (revoked.hosts().contains(in.peerName())) {
            problems.add("host '" + in.peerName() + "' is revoked");
        }
        Map<HexValue, String> keys = new LinkedHashMap<>();
        in.ekPublicKeySha256().ifPresent(k -> keys.put(k, "EK public key"));
        keys.putIfAbsent(in.akName(), "AK");
        in.peer().ifPresent(h -> {
            h.ekPublicKeySha256().ifPresent(k -> keys.putIfAbsent(k, "EK public key"));
            h.akName().ifPresent(k -> keys.putIfAbsent(k, "AK"));
        });
        keys.forEach((key, kind) -> {
            if (revoked.keys().contains(key)) {
                problems.add(kind + " " + key.abbreviated() + " of host '" + in.peerName() + "' is revoked");
            }
        });
        if (!problems.isEmpty()) {
            return List.of(RuleResult.fail(ID, String.join("; ", problems)));
        }
        return List.of(RuleResult.pass(ID, "neither host '" + in.peerName() + "' nor its keys are revoked"));
    }
}
