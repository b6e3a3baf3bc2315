package org.attestedmigration.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.MalformedStructureException;
import org.attestedmigration.attestation.PcrValues;
import org.attestedmigration.attestation.eventlog.EventLog;
import org.attestedmigration.attestation.eventlog.EventType;
import org.attestedmigration.attestation.eventlog.TcgEvent;
import org.attestedmigration.attestation.txt.MeasuredLaunchPlan;
import org.attestedmigration.attestation.txt.ModuleEventData;

/**
 * The events of a tboot launch (legacy PCR mapping) in the verified log, sorted into the
 * categories the policy speaks of, with their digests in the policy's bank. Events that extend
 * nothing (EV_NO_ACTION) change no PCR and are left out.
 *
 * <p>The digests can be trusted only if the verifier replayed the log against quoted values in
 * this bank; {@link #unusable()} says why not when PCR 17-19 of the bank were not quoted or the
 * log has no digests for it.
 */
final class LaunchEvents {
    static final int PCR_SINIT = MeasuredLaunchPlan.PCR_SINIT;
    static final int PCR_MLE = MeasuredLaunchPlan.PCR_MLE;
    static final int PCR_MODULES = MeasuredLaunchPlan.PCR_MODULES;
    static final int HASH_START = EventType.TXT_HASH_START.code();
    static final int MLE_HASH = EventType.TXT_MLE_HASH.code();
    static final int MODULE = EventType.TBOOT_MEASUREMENT.code();

    /** An event with its position in the whole log, for reasons that say which one. */
    record Logged(int index, TcgEvent event, byte[] digest) {
        String describe() {
            return "event #" + index + " " + EventType.nameOf(event.eventType());
        }
    }

    /**
     * A tboot module measurement: its number (0 = hypervisor in PCR 18, then PCR 19 in order) and
     * what its event data says. Real tboot logs no data: then {@code data} and {@code dataProblem}
     * are both empty and only the digest identifies the module.
     */
    record Module(int number, Logged logged, Optional<ModuleEventData> data, Optional<String> dataProblem) {
        String describe() {
            return "module " + number + data.map(d -> " (" + d.label() + ")").orElse("");
        }
    }

    private final HashAlgorithm bank;
    private final Optional<String> unusable;
    private final List<Logged> pcr17;
    private final List<Logged> pcr18;
    private final List<Logged> pcr19;

    private LaunchEvents(HashAlgorithm bank, Optional<String> unusable, List<Logged> pcr17, List<Logged> pcr18, List<Logged> pcr19) {
        this.bank = bank;
        this.unusable = unusable;
        this.pcr17 = List.copyOf(pcr17);
        this.pcr18 = List.copyOf(pcr18);
        this.pcr19 = List.copyOf(pcr19);
    }

    static LaunchEvents of(EventLog log, PcrValues quoted, HashAlgorithm bank) {
        if (!log.banks().contains(bank)) {
            String banks = log.banks().stream().map(HashAlgorithm::bankName).collect(Collectors.joining(", "));
            return unusable(bank, "the event log has no " + bank.bankName() + " digests (its banks: " + banks
                    + "), so the launch cannot be checked in the policy's bank");
        }
        for (int pcr : List.of(PCR_SINIT, PCR_MLE, PCR_MODULES)) {
            if (quoted.get(bank, pcr).isEmpty()) {
                return unusable(bank, "the quote does not cover " + bank.bankName() + ":" + pcr
                        + ", so the logged " + bank.bankName() + " digests are not verified");
            }
        }
        List<List<Logged>> byPcr = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        List<TcgEvent> events = log.events();
        for (int i = 0; i < events.size(); i++) {
            TcgEvent e = events.get(i);
            int slot = e.pcrIndex() - PCR_SINIT;
            if (slot >= 0 && slot < 3 && e.isExtended()) {
                byPcr.get(slot).add(new Logged(i, e, e.digest(bank).orElseThrow()));
            }
        }
        return new LaunchEvents(bank, Optional.empty(), byPcr.get(0), byPcr.get(1), byPcr.get(2));
    }

    private static LaunchEvents unusable(HashAlgorithm bank, String reason) {
        return new LaunchEvents(bank, Optional.of(reason), List.of(), List.of(), List.of());
    }

    HashAlgorithm bank() {
        return bank;
    }

    /** Why the events cannot be judged at all; every launch rule then fails with this reason. */
    Optional<String> unusable() {
        return unusable;
    }

    List<Logged> pcr17() {
        return pcr17;
    }

    List<Logged> pcr18() {
        return pcr18;
    }

    List<Logged> pcr19() {
        return pcr19;
    }

    /** TXT_HASH_START events: H(SINIT ACM). */
    List<Logged> sinit() {
        return pcr17.stream().filter(l -> l.event().eventType() == HASH_START).toList();
    }

    /** Every other PCR 17 event: what the SINIT ACM measured about the platform. */
    List<Logged> platform() {
        return pcr17.stream().filter(l -> l.event().eventType() != HASH_START).toList();
    }

    /** TXT_MLE_HASH events: H(tboot). */
    List<Logged> mle() {
        return pcr18.stream().filter(l -> l.event().eventType() == MLE_HASH).toList();
    }

    /** Module events in PCR 18: module 0, the hypervisor (more than one is a structure failure). */
    List<Module> hypervisor() {
        return modules().stream().filter(m -> m.logged().event().pcrIndex() == PCR_MLE).toList();
    }

    /** Module events in PCR 19, in order: the dom0 kernel, then the initrd, then anything else. */
    List<Module> dom0Modules() {
        return modules().stream().filter(m -> m.logged().event().pcrIndex() == PCR_MODULES).toList();
    }

    /** All module events, numbered as tboot loads them: PCR 18's first, then PCR 19's. */
    List<Module> modules() {
        List<Module> out = new ArrayList<>();
        for (List<Logged> pcr : List.of(pcr18, pcr19)) {
            for (Logged l : pcr) {
                if (l.event().eventType() == MODULE) {
                    out.add(module(out.size(), l));
                }
            }
        }
        return out;
    }

    private static Module module(int number, Logged l) {
        byte[] data = l.event().eventData();
        if (data.length == 0) {
            return new Module(number, l, Optional.empty(), Optional.empty());
        }
        try {
            return new Module(number, l, Optional.of(ModuleEventData.parse(data)), Optional.empty());
        } catch (MalformedStructureException e) {
            return new Module(number, l, Optional.empty(), Optional.of(e.getMessage()));
        }
    }
}
