package org.attestedmigration.cli.demo;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.MalformedStructureException;
import org.attestedmigration.attestation.PcrValues;
import org.attestedmigration.attestation.VerifiedEvidence;
import org.attestedmigration.attestation.eventlog.EventLog;
import org.attestedmigration.attestation.eventlog.EventType;
import org.attestedmigration.attestation.eventlog.TcgEvent;
import org.attestedmigration.attestation.txt.MeasuredLaunchPlan;
import org.attestedmigration.attestation.txt.ModuleEventData;
import org.attestedmigration.attestation.txt.SampleLaunch;

/**
 * The demo's stand-in for an administrator's trust policy: the measured launch must be exactly
 * the known-good one (PCR 17, 18, 19 of its event log). When it is not, the first event that
 * differs names what changed.
 */
final class ReferenceLaunch {
    private static final HashAlgorithm BANK = HashAlgorithm.SHA256;
    private final EventLog reference;
    private final PcrValues expected;

    ReferenceLaunch(SampleLaunch knownGood) {
        this.reference = MeasuredLaunchPlan.of(knownGood.components()).eventLog();
        this.expected = reference.replay(BANK);
    }

    /** Empty when the launch is the reference one; otherwise the reason it is not. */
    Optional<String> mismatch(VerifiedEvidence evidence) {
        for (int pcr : List.of(17, 18, 19)) {
            byte[] want = expected.get(BANK, pcr).orElseThrow();
            byte[] have = evidence.pcrs().get(BANK, pcr).orElseThrow();
            if (!MessageDigest.isEqual(want, have)) {
                return Optional.of("PCR " + pcr + ": value " + HexFormat.of().formatHex(have).substring(0, 12)
                        + "… is not the reference " + HexFormat.of().formatHex(want).substring(0, 12) + "…; " + firstDifference(evidence.eventLog(), pcr));
            }
        }
        return Optional.empty();
    }

    private String firstDifference(EventLog actual, int pcr) {
        List<TcgEvent> want = reference.eventsFor(pcr);
        List<TcgEvent> have = actual.eventsFor(pcr);
        for (int i = 0; i < Math.max(want.size(), have.size()); i++) {
            if (i >= have.size()) {
                return "event " + i + " (" + EventType.nameOf(want.get(i).eventType()) + ") is missing";
            }
            if (i >= want.size() || !MessageDigest.isEqual(want.get(i).digest(BANK).orElseThrow(), have.get(i).digest(BANK).orElseThrow())) {
                return "event " + describe(have.get(i)) + " is not the approved measurement";
            }
        }
        return "the events match but the value does not";
    }

    private static String describe(TcgEvent e) {
        String name = EventType.nameOf(e.eventType());
        if (e.eventType() == EventType.TBOOT_MEASUREMENT.code()) {
            try {
                ModuleEventData module = ModuleEventData.parse(e.eventData());
                return name + " module '" + module.label() + "' (image or command line \"" + module.commandLine() + "\")";
            } catch (MalformedStructureException ignored) {
                return name + " (unreadable module data)";
            }
        }
        return name;
    }
}
