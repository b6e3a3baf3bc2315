package org.attestedmigration.policy;

import java.util.ArrayList;
import java.util.List;
import org.attestedmigration.attestation.eventlog.EventType;

/**
 * {@code launch.structure}: PCR 17-19 hold exactly the events of a tboot launch of Xen and dom0
 * (legacy mapping, as {@link org.attestedmigration.attestation.txt.MeasuredLaunchPlan} describes):
 * PCR 17 one TXT_HASH_START then the SINIT's TXT platform events; PCR 18 one TXT_MLE_HASH then
 * exactly one module event (module 0, the hypervisor); PCR 19 the dom0 kernel and initrd module
 * events and nothing else. Category rules check what the events are; this rule catches an
 * event no category covers (an extra module would otherwise run unchecked) and a missing one.
 */
final class LaunchStructureRule implements PolicyRule {
    static final String ID = "launch.structure";
    /** Module 0 in PCR 18 (Xen), modules 1 and 2 in PCR 19 (dom0 kernel, initrd). */
    static final int DOM0_MODULES = 2;
    private static final int TXT_FIRST = EventType.TXT_EVENT_BASE.code() + 1;
    private static final int TXT_LAST = EventType.TXT_CAP_VALUE.code();

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<RuleResult> evaluate(RuleInput in) {
        LaunchEvents events = LaunchEvents.of(in.evidence().eventLog(), in.evidence().pcrs(), in.bank());
        if (events.unusable().isPresent()) {
            return List.of(RuleResult.fail(ID, events.unusable().get()));
        }
        List<String> problems = new ArrayList<>();
        checkPcr17(events.pcr17(), problems);
        checkPcr18(events.pcr18(), problems);
        checkPcr19(events.pcr19(), LaunchEventRules.extraModules(in).isPresent(), problems);
        List<String> labels = events.modules().stream().map(LaunchEvents.Module::describe).toList();
        String summary = events.modules().size() + " module" + (labels.size() == 1 ? "" : "s")
                + (labels.isEmpty() ? "" : " (" + String.join(", ", labels) + ")");
        if (!problems.isEmpty()) {
            return List.of(RuleResult.fail(ID, String.join("; ", problems) + " [launch measured " + summary + "]"));
        }
        return List.of(RuleResult.pass(ID, "tboot launch: TXT_HASH_START, " + (events.pcr17().size() - 1)
                + " platform events, TXT_MLE_HASH, " + summary));
    }

    private static void checkPcr17(List<LaunchEvents.Logged> pcr17, List<String> problems) {
        if (pcr17.isEmpty() || pcr17.get(0).event().eventType() != LaunchEvents.HASH_START) {
            problems.add(pcr17.isEmpty() ? "PCR 17 has no events; it must start with TXT_HASH_START"
                    : at(pcr17.get(0)) + ": PCR 17 must start with TXT_HASH_START");
        }
        if (pcr17.size() == 1) {
            problems.add("PCR 17 has no platform events after TXT_HASH_START; a SINIT ACM always logs some");
        }
        for (int i = 1; i < pcr17.size(); i++) {
            int type = pcr17.get(i).event().eventType();
            if (type == LaunchEvents.HASH_START) {
                problems.add(at(pcr17.get(i)) + ": a second TXT_HASH_START in PCR 17");
            } else if (type < TXT_FIRST || type > TXT_LAST || type == LaunchEvents.MLE_HASH) {
                problems.add(at(pcr17.get(i)) + ": unexpected in PCR 17, only TXT platform events follow TXT_HASH_START");
            }
        }
    }

    private static void checkPcr18(List<LaunchEvents.Logged> pcr18, List<String> problems) {
        if (pcr18.isEmpty() || pcr18.get(0).event().eventType() != LaunchEvents.MLE_HASH) {
            problems.add(pcr18.isEmpty() ? "PCR 18 has no events; it must hold TXT_MLE_HASH then module 0"
                    : at(pcr18.get(0)) + ": PCR 18 must start with TXT_MLE_HASH");
        }
        if (pcr18.size() < 2) {
            problems.add("module 0 (hypervisor) is missing: no TBOOT_MEASUREMENT event in PCR 18");
        }
        for (int i = 1; i < pcr18.size(); i++) {
            LaunchEvents.Logged l = pcr18.get(i);
            if (i > 1) {
                problems.add(at(l) + ": unexpected in PCR 18 after module 0");
            } else if (l.event().eventType() != LaunchEvents.MODULE) {
                problems.add(at(l) + ": PCR 18 must hold module 0 (TBOOT_MEASUREMENT) after TXT_MLE_HASH");
            }
        }
    }

    /** @param extraChecked the policy lists extra modules: {@code launch.extraModules} checks modules 3 and on */
    private static void checkPcr19(List<LaunchEvents.Logged> pcr19, boolean extraChecked, List<String> problems) {
        int modules = 0;
        for (LaunchEvents.Logged l : pcr19) {
            if (l.event().eventType() != LaunchEvents.MODULE) {
                problems.add(at(l) + ": unexpected in PCR 19, which holds module events only");
            } else if (++modules > DOM0_MODULES && !extraChecked) {
                problems.add(at(l) + ": extra module " + modules + " in PCR 19; only the dom0 kernel (module 1) and initrd"
                        + " (module 2) are expected, and the policy lists no launch.extraModules to check more");
            }
        }
        if (modules < DOM0_MODULES) {
            problems.add("PCR 19 has " + modules + " module event" + (modules == 1 ? "" : "s") + ", expected "
                    + DOM0_MODULES + " (dom0 kernel, initrd): module " + (modules + 1) + " is missing");
        }
    }

    private static String at(LaunchEvents.Logged l) {
        return "event #" + l.index() + " (" + EventType.nameOf(l.event().eventType()) + ")";
    }
}
