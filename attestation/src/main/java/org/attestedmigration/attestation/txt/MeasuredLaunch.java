package org.attestedmigration.attestation.txt;

import java.security.MessageDigest;
import java.util.HexFormat;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.PcrValues;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.attestation.TpmAccessException;
import org.attestedmigration.attestation.eventlog.EventLog;

/**
 * Performs a {@link MeasuredLaunchPlan} on an emulated TPM, step by step at the localities real
 * hardware uses, and checks that the TPM ends up where the plan's event log says it should.
 */
public final class MeasuredLaunch {
    private MeasuredLaunch() {
    }

    /**
     * @return the event log that matches what the TPM now holds in PCR 17..19
     * @throws TpmAccessException if the TPM refuses a step or its PCRs differ from the plan afterwards
     */
    public static EventLog perform(Tpm tpm, MeasuredLaunchPlan plan) throws TpmAccessException {
        for (LaunchMeasurement m : plan.measurements()) {
            switch (m.kind()) {
                case DRTM_HASH_SEQUENCE -> tpm.dynamicLaunch(m.sequenceData());
                case PCR_EXTEND -> tpm.extendPcr(m.pcrIndex(), m.locality(), m.digests());
            }
        }
        PcrValues expected = plan.expectedPcrs();
        for (HashAlgorithm bank : plan.banks()) {
            PcrSelection launchPcrs = new PcrSelection(bank, expected.indices(bank));
            PcrValues actual = tpm.readPcrs(launchPcrs);
            for (int pcr : launchPcrs.pcrs()) {
                byte[] want = expected.get(bank, pcr).orElseThrow();
                byte[] have = actual.get(bank, pcr).orElseThrow();
                if (!MessageDigest.isEqual(want, have)) {
                    throw new TpmAccessException("after the launch " + bank.bankName() + ":" + pcr + " is "
                            + HexFormat.of().formatHex(have) + " but the event log replays to " + HexFormat.of().formatHex(want)
                            + " (is the " + bank.bankName() + " bank active on " + tpm.uri() + "?)");
                }
            }
        }
        return plan.eventLog();
    }
}
