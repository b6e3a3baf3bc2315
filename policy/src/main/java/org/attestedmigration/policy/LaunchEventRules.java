package org.attestedmigration.policy;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.eventlog.EventType;
import org.attestedmigration.attestation.txt.ModuleEventData;

/**
 * {@code launch.sinit}, {@code launch.platform}, {@code launch.mle}, {@code launch.hypervisor},
 * {@code launch.kernel}, {@code launch.initrd}: every event of a category the policy constrains
 * is allowed by one of its entries. A category's entries are the global ones plus the peer host's
 * own; a category neither lists is not applicable. A constrained category whose event is
 * missing fails: an absent measurement proves nothing.
 */
final class LaunchEventRules implements PolicyRule {
    static final String SINIT = "launch.sinit";
    static final String PLATFORM = "launch.platform";
    static final String MLE = "launch.mle";
    static final String HYPERVISOR = "launch.hypervisor";
    static final String KERNEL = "launch.kernel";
    static final String INITRD = "launch.initrd";
    static final String EXTRA_MODULES = "launch.extraModules";

    @Override
    public String id() {
        return "launch";
    }

    @Override
    public List<RuleResult> evaluate(RuleInput in) {
        LaunchRules global = in.policy().measurements().launch();
        LaunchRules own = in.peer().map(HostEntry::hostUnique).orElse(LaunchRules.NONE);
        LaunchEvents events = LaunchEvents.of(in.evidence().eventLog(), in.evidence().pcrs(), in.bank());
        return List.of(
                category(SINIT, merge(global.sinit(), own.sinit()), events,
                        digests(events.sinit(), "SINIT ACM", "no TXT_HASH_START event in PCR 17")),
                category(PLATFORM, merge(global.platform(), own.platform()), events, LaunchEventRules::platform),
                category(MLE, merge(global.mle(), own.mle()), events,
                        digests(events.mle(), "tboot", "no TXT_MLE_HASH event in PCR 18")),
                category(HYPERVISOR, merge(global.hypervisor(), own.hypervisor()), events,
                        modules(events.hypervisor(), "hypervisor", "no module 0 (hypervisor) event in PCR 18")),
                category(KERNEL, merge(global.kernel(), own.kernel()), events,
                        modules(events.dom0Modules().stream().limit(1).toList(), "dom0 kernel", missingDom0(1, "dom0 kernel", events))),
                category(INITRD, merge(global.initrd(), own.initrd()), events,
                        modules(events.dom0Modules().stream().skip(1).limit(1).toList(), "initrd", missingDom0(2, "initrd", events))),
                category(EXTRA_MODULES, extraModules(in), events, LaunchEventRules::extraModules));
    }

    /** The extra modules the peer may boot: the global entries plus its own, if either lists them. */
    static Optional<List<ModuleRule>> extraModules(RuleInput in) {
        LaunchRules own = in.peer().map(HostEntry::hostUnique).orElse(LaunchRules.NONE);
        return merge(in.policy().measurements().launch().extraModules(), own.extraModules());
    }

    private static RuleResult extraModules(String id, List<ModuleRule> allowed, LaunchEvents events) {
        List<LaunchEvents.Module> extra = events.dom0Modules().stream().skip(LaunchStructureRule.DOM0_MODULES).toList();
        if (extra.isEmpty()) {
            return RuleResult.pass(id, "no module after the dom0 kernel and initrd");
        }
        return modules(extra, "extra module", "").check(id, allowed, events);
    }

    /** A check of one category against its merged entries. */
    private interface CategoryCheck<T> {
        RuleResult check(String rule, List<T> allowed, LaunchEvents events);
    }

    private static <T> RuleResult category(String rule, Optional<List<T>> allowed, LaunchEvents events, CategoryCheck<T> check) {
        if (allowed.isEmpty()) {
            return RuleResult.notApplicable(rule, "the policy does not constrain this category");
        }
        if (events.unusable().isPresent()) {
            return RuleResult.fail(rule, events.unusable().get());
        }
        return check.check(rule, allowed.get(), events);
    }

    private static <T> Optional<List<T>> merge(Optional<List<T>> global, Optional<List<T>> hostUnique) {
        if (global.isEmpty() && hostUnique.isEmpty()) {
            return Optional.empty();
        }
        List<T> all = new ArrayList<>(global.orElse(List.of()));
        all.addAll(hostUnique.orElse(List.of()));
        return Optional.of(all);
    }

    private static CategoryCheck<NamedDigest> digests(List<LaunchEvents.Logged> logged, String what, String missing) {
        return (id, allowed, events) -> {
            if (logged.isEmpty()) {
                return RuleResult.fail(id, missing);
            }
            List<String> passed = new ArrayList<>();
            List<String> failed = new ArrayList<>();
            for (LaunchEvents.Logged l : logged) {
                Optional<NamedDigest> match = allowed.stream().filter(a -> a.digest().matches(l.digest())).findFirst();
                if (match.isPresent()) {
                    passed.add(l.describe() + " is '" + match.get().name() + "'");
                } else {
                    failed.add(l.describe() + ": digest " + RuleText.hex(l.digest()) + " is not an allowed " + what + " "
                            + RuleText.allowedNames(allowed.stream().map(NamedDigest::name).toList()));
                }
            }
            return verdict(id, passed, failed);
        };
    }

    private static RuleResult platform(String id, List<PlatformEventRule> allowed, LaunchEvents events) {
        List<String> passed = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (LaunchEvents.Logged l : events.platform()) {
            int type = l.event().eventType();
            List<PlatformEventRule> ofType = allowed.stream().filter(a -> a.eventType() == type).toList();
            Optional<PlatformEventRule> match = ofType.stream().filter(a -> a.digest().matches(l.digest())).findFirst();
            if (match.isPresent()) {
                passed.add(l.describe() + " is '" + match.get().name() + "'");
            } else if (ofType.isEmpty()) {
                failed.add(l.describe() + ": digest " + RuleText.hex(l.digest()) + " is not allowed: no platform entry has event type "
                        + EventType.nameOf(type));
            } else {
                failed.add(l.describe() + ": digest " + RuleText.hex(l.digest()) + " is not an allowed platform measurement "
                        + RuleText.allowedNames(ofType.stream().map(PlatformEventRule::name).toList()));
            }
        }
        if (passed.isEmpty() && failed.isEmpty()) {
            return RuleResult.fail(id, "no platform events in PCR 17 after TXT_HASH_START; a SINIT ACM always logs some");
        }
        return verdict(id, passed, failed);
    }

    private static CategoryCheck<ModuleRule> modules(List<LaunchEvents.Module> logged, String what, String missing) {
        return (id, allowed, events) -> {
            if (logged.isEmpty()) {
                return RuleResult.fail(id, missing);
            }
            List<String> passed = new ArrayList<>();
            List<String> failed = new ArrayList<>();
            for (LaunchEvents.Module m : logged) {
                if (m.dataProblem().isPresent()) {
                    failed.add(m.describe() + ": " + m.logged().describe() + " has unreadable event data: " + m.dataProblem().get());
                    continue;
                }
                Optional<ModuleRule> match = allowed.stream().filter(a -> matches(a, m, events.bank())).findFirst();
                if (match.isPresent()) {
                    passed.add(m.describe() + " is '" + match.get().name() + "'");
                } else {
                    String cmdline = m.data().map(d -> "\"" + d.commandLine() + "\"").orElse("(not logged)");
                    failed.add(m.describe() + ": image or command line " + cmdline + " is not an allowed " + what + " "
                            + RuleText.allowedNames(allowed.stream().map(ModuleRule::name).toList()) + "; measured "
                            + RuleText.hex(m.logged().digest()));
                }
            }
            return verdict(id, passed, failed);
        };
    }

    /**
     * An entry allows a module when its measurement is the logged digest and, if the event logs a
     * command line, that is the entry's. The digest already binds the command line tboot hashed;
     * comparing the logged text as well catches a log whose text lies about it. Real tboot logs no
     * text, and then the digest alone decides.
     */
    static boolean matches(ModuleRule entry, LaunchEvents.Module module, HashAlgorithm bank) {
        byte[] digest = module.logged().digest();
        Optional<String> logged = module.data().map(ModuleEventData::commandLine);
        boolean measured;
        if (entry.imageDigest().isPresent()) {
            byte[] image = entry.imageDigest().get().bytes();
            if (image.length != bank.digestLength()) {
                return false;
            }
            measured = MessageDigest.isEqual(ModuleEventData.measurement(bank, entry.commandLine().orElseThrow(), image), digest);
        } else {
            measured = entry.measurement().orElseThrow().matches(digest);
        }
        boolean sameText = entry.commandLine().isEmpty() || logged.isEmpty() || logged.get().equals(entry.commandLine().get());
        return measured && sameText;
    }

    private static String missingDom0(int number, String what, LaunchEvents events) {
        List<String> labels = events.modules().stream().map(LaunchEvents.Module::describe).toList();
        return "module " + number + " (" + what + ") is missing: the launch measured " + labels.size() + " module"
                + (labels.size() == 1 ? "" : "s") + (labels.isEmpty() ? "" : " (" + String.join(", ", labels) + ")");
    }

    private static RuleResult verdict(String id, List<String> passed, List<String> failed) {
        if (!failed.isEmpty()) {
            return RuleResult.fail(id, String.join("; ", failed));
        }
        return RuleResult.pass(id, String.join("; ", passed));
    }
}
