package org.attestedmigration.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code migration.direction}: some migration rule lets a group of the source host send VMs to a
 * group of the destination host. Direction matters: a rule office → laptops lets laptops pull
 * from office, not push to it.
 */
final class MigrationDirectionRule implements PolicyRule {
    static final String ID = "migration.direction";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<RuleResult> evaluate(RuleInput in) {
        Policy policy = in.policy();
        String source = in.context().sourceHost();
        String destination = in.context().destinationHost();
        List<String> unknown = new ArrayList<>();
        if (policy.host(source).isEmpty()) {
            unknown.add("source host '" + source + "' is not in the policy");
        }
        if (policy.host(destination).isEmpty()) {
            unknown.add("destination host '" + destination + "' is not in the policy");
        }
        if (!unknown.isEmpty()) {
            return List.of(RuleResult.fail(ID, String.join("; ", unknown)));
        }
        List<String> from = groupsOf(policy, source);
        List<String> to = groupsOf(policy, destination);
        Optional<MigrationRule> allowing = policy.migrations().stream()
                .filter(r -> from.contains(r.from()) && to.contains(r.to())).findFirst();
        String hosts = "host '" + source + "' " + describe(from) + " %s send VMs to '" + destination + "' " + describe(to);
        if (allowing.isPresent()) {
            return List.of(RuleResult.pass(ID, String.format(hosts, "may") + ": rule " + allowing.get().from() + " → "
                    + allowing.get().to()));
        }
        return List.of(RuleResult.fail(ID, String.format(hosts, "may not") + ": " + missingRule(from, to)));
    }

    private static String missingRule(List<String> from, List<String> to) {
        if (from.isEmpty() || to.isEmpty()) {
            return "a host in no group takes part in no migration rule";
        }
        return "no migration rule from " + String.join(" or ", from) + " to " + String.join(" or ", to);
    }

    private static List<String> groupsOf(Policy policy, String host) {
        return policy.groups().stream().filter(g -> g.hosts().contains(host)).map(GroupEntry::name).toList();
    }

    private static String describe(List<String> groups) {
        if (groups.isEmpty()) {
            return "(in no group)";
        }
        return (groups.size() == 1 ? "(group " : "(groups ") + String.join(", ", groups) + ")";
    }
}
