package org.attestedmigration.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What {@code policy check} warns about: a policy that loads but accepts nothing, or accepts any
 * booted software (docs/policy-format.md, "What policy check warns about"). Each warning is one
 * sentence starting with "accepts nothing:" or "accepts anything:" and naming the part of the
 * policy responsible.
 */
public final class PolicyWarnings {
    private static final String NOTHING = "accepts nothing: ";
    private static final String ANYTHING = "accepts anything: ";

    private PolicyWarnings() {
    }

    public static List<String> of(Policy policy) {
        List<String> warnings = new ArrayList<>();
        if (policy.hosts().isEmpty()) {
            warnings.add(NOTHING + "hosts is empty, so no peer can be identified.");
        }
        if (policy.migrations().isEmpty()) {
            warnings.add(NOTHING + "migrations is empty, so no VM may move between any hosts.");
        } else {
            emptyGroupsInEveryRule(policy).ifPresent(warnings::add);
        }
        allHostsRevoked(policy).ifPresent(warnings::add);
        if (policy.ekManufacturers().isEmpty() && policy.hosts().stream().noneMatch(h -> h.akName().isPresent())) {
            // The format document lists this under "accepts anything", but its effect is the opposite:
            // rule ek.manufacturer can then never pass.
            warnings.add(NOTHING + "trustAnchors.ekManufacturers is empty and no host pins an akName, so no attestation key can be"
                    + " trusted (rule ek.manufacturer fails for every peer).");
        }
        emptyAllowlists(policy, warnings);
        unconstrainedMeasurements(policy).ifPresent(warnings::add);
        return List.copyOf(warnings);
    }

    private static Optional<String> emptyGroupsInEveryRule(Policy policy) {
        Set<String> empty = policy.groups().stream().filter(g -> g.hosts().isEmpty()).map(GroupEntry::name).collect(Collectors.toSet());
        boolean everyRule = policy.migrations().stream().allMatch(r -> empty.contains(r.from()) || empty.contains(r.to()));
        if (empty.isEmpty() || !everyRule) {
            return Optional.empty();
        }
        return Optional.of(NOTHING + "every migration rule uses a group without hosts (" + String.join(", ", empty.stream().sorted().toList())
                + "), so no rule can apply.");
    }

    private static Optional<String> allHostsRevoked(Policy policy) {
        if (policy.hosts().isEmpty() || !policy.hosts().stream().allMatch(h -> isRevoked(h, policy.revoked()))) {
            return Optional.empty();
        }
        return Optional.of(NOTHING + "revoked covers every host (by name or key), so no peer can pass host.revoked.");
    }

    private static boolean isRevoked(HostEntry host, Revocations revoked) {
        return revoked.hosts().contains(host.name())
                || host.ekPublicKeySha256().filter(revoked.keys()::contains).isPresent()
                || host.akName().filter(revoked.keys()::contains).isPresent();
    }

    private static void emptyAllowlists(Policy policy, List<String> warnings) {
        for (Map.Entry<Integer, List<NamedDigest>> pcr : policy.measurements().pcrs().entrySet()) {
            if (pcr.getValue().isEmpty()) {
                warnings.add(NOTHING + "measurements.pcrs." + pcr.getKey() + " is an empty list, so no value of PCR " + pcr.getKey()
                        + " is allowed.");
            }
        }
        emptyCategories(policy.measurements().launch()).forEach(c -> warnings.add(NOTHING + "measurements.launch." + c
                + " is an empty list, so no " + c + " measurement is allowed."));
        LaunchRules global = policy.measurements().launch();
        for (HostEntry host : policy.hosts()) {
            // Host-unique rules add to the global list: an empty one matters only where there is no global list.
            for (String category : emptyCategories(host.hostUnique())) {
                if (category(global, category).isEmpty()) {
                    warnings.add(NOTHING + "host " + host.name() + ": launch." + category + " is an empty list and measurements.launch has no "
                            + category + " list to add to, so no " + category + " measurement is allowed on this host.");
                }
            }
        }
    }

    private static List<String> emptyCategories(LaunchRules rules) {
        List<String> out = new ArrayList<>();
        for (String category : List.of("sinit", "platform", "mle", "hypervisor", "kernel", "initrd")) {
            if (category(rules, category).map(List::isEmpty).orElse(false)) {
                out.add(category);
            }
        }
        return out;
    }

    private static Optional<? extends List<?>> category(LaunchRules rules, String category) {
        return switch (category) {
            case "sinit" -> rules.sinit();
            case "platform" -> rules.platform();
            case "mle" -> rules.mle();
            case "hypervisor" -> rules.hypervisor();
            case "kernel" -> rules.kernel();
            default -> rules.initrd();
        };
    }

    private static Optional<String> unconstrainedMeasurements(Policy policy) {
        MeasurementRules m = policy.measurements();
        if (!m.pcrs().isEmpty() || !m.launch().isEmpty()) {
            return Optional.empty();
        }
        List<String> unconstrained = policy.hosts().stream().filter(h -> h.hostUnique().isEmpty()).map(HostEntry::name).toList();
        if (policy.hosts().isEmpty() || unconstrained.size() == policy.hosts().size()) {
            return Optional.of(ANYTHING + "measurements has no pcrs and no launch category, so any booted software passes.");
        }
        if (unconstrained.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(ANYTHING + "measurements has no pcrs and no launch category, and these hosts have no launch rules of their own: "
                + String.join(", ", unconstrained) + "; any software booted on them passes.");
    }
}
