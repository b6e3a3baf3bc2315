package org.attestedmigration.attestation.txt;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.PcrValues;
import org.attestedmigration.attestation.eventlog.EventLog;
import org.attestedmigration.attestation.eventlog.EventType;

/**
 * The measurements an Intel TXT launch of tboot with the <em>legacy</em> PCR mapping leaves in the
 * TPM, computed without a TPM: an executor replays {@link #measurements()} against a software TPM,
 * the host publishes {@link #eventLog()}, and a verifier expects {@link #expectedPcrs()}.
 *
 * <p>Order, PCR, locality (who performs it on real hardware) and event type:
 * <ol>
 * <li>PCR 17, locality 4 (CPU, GETSEC[SENTER]), {@code TXT_HASH_START}: the DRTM hash sequence over
 *     the SINIT ACM bytes. It resets PCR 17-22 to zero and extends H(SINIT). Event data empty.</li>
 * <li>PCR 17, locality 3 (SINIT ACM), its launch-state measurements, each with digest H(data) and
 *     the data logged: {@code TXT_BIOSAC_REG_DATA} (BIOS ACM ID, 20 zero bytes as the emulated
 *     platform has no BIOS ACM, then SENTER EDX flags u32 0), {@code TXT_CPU_SCRTM_STAT} (u32 1),
 *     {@code TXT_LCP_CONTROL_HASH} (LCP PolicyControl u32 0: no launch control policy),
 *     {@code TXT_STM_HASH} (one zero byte: no STM) and {@code TXT_OSSINITDATA_CAP_HASH} (OS-to-SINIT
 *     capabilities u32 0x201). The STM, S-CRTM and capability values reproduce the digests found in
 *     a real TPM 2.0 host's flavor published with Intel ISecL; the BIOS ACM and policy-control ones
 *     are fixed here. This is a subset of what a SINIT logs; LCP and NV details are left out because
 *     the emulation has no LCP.</li>
 * <li>PCR 18, locality 3, {@code TXT_MLE_HASH}: H(MLE), the tboot image. Event data empty.</li>
 * <li>PCR 18, locality 2 (tboot), {@code TBOOT_MEASUREMENT} (0x501, tboot's own type): module 0,
 *     the hypervisor.</li>
 * <li>PCR 19, locality 2, {@code TBOOT_MEASUREMENT}: every further module (dom0 kernel, initrd),
 *     in order.</li>
 * </ol>
 * A module's digest is H(H(cmdline) || H(image)) per bank and its event data is a
 * {@link ModuleEventData} (label and command line). Real tboot also extends the hash of its own
 * launch policy into PCR 17; the emulation runs tboot without a policy and leaves that out.
 *
 * <p>All PCRs start at zero after the hash sequence, so replaying the log from zero yields the
 * values a TPM shows after the launch.
 */
public final class MeasuredLaunchPlan {
    public static final int PCR_SINIT = 17;
    public static final int PCR_MLE = 18;
    public static final int PCR_MODULES = 19;
    /** Locality of the CPU's DRTM hash sequence. */
    public static final int LOCALITY_DRTM = 4;
    /** Locality the SINIT ACM extends at. */
    public static final int LOCALITY_SINIT = 3;
    /** Locality tboot (the MLE) extends at. */
    public static final int LOCALITY_MLE = 2;
    /** Banks filled when none are given: those of a typical TPM 2.0 with SHA-1 still enabled. */
    public static final Set<HashAlgorithm> DEFAULT_BANKS =
            Collections.unmodifiableSet(EnumSet.of(HashAlgorithm.SHA1, HashAlgorithm.SHA256));

    private final SortedSet<HashAlgorithm> banks;
    private final List<LaunchMeasurement> measurements;
    private final EventLog eventLog;

    private MeasuredLaunchPlan(SortedSet<HashAlgorithm> banks, List<LaunchMeasurement> measurements) {
        this.banks = Collections.unmodifiableSortedSet(banks);
        this.measurements = List.copyOf(measurements);
        EventLog.Builder b = EventLog.builder(banks);
        for (LaunchMeasurement m : measurements) {
            b.add(m.toEvent());
        }
        this.eventLog = b.build();
    }

    /** Plan for {@link #DEFAULT_BANKS}. */
    public static MeasuredLaunchPlan of(LaunchComponents components) {
        return of(components, DEFAULT_BANKS);
    }

    public static MeasuredLaunchPlan of(LaunchComponents components, Collection<HashAlgorithm> banks) {
        if (banks.isEmpty()) {
            throw new IllegalArgumentException("at least one PCR bank is needed");
        }
        SortedSet<HashAlgorithm> bankSet = new TreeSet<>(EnumSet.copyOf(banks));
        List<LaunchMeasurement> steps = new ArrayList<>();
        byte[] sinit = components.sinitAcm();
        steps.add(new LaunchMeasurement(PCR_SINIT, LOCALITY_DRTM, MeasurementKind.DRTM_HASH_SEQUENCE,
                EventType.TXT_HASH_START.code(), "SINIT ACM", hashes(bankSet, sinit), new byte[0], sinit));
        steps.add(sinitExtend(bankSet, EventType.TXT_BIOSAC_REG_DATA, "BIOS ACM ID and SENTER flags",
                le(new byte[20], 0)));
        steps.add(sinitExtend(bankSet, EventType.TXT_CPU_SCRTM_STAT, "processor S-CRTM status", le(new byte[0], 1)));
        steps.add(sinitExtend(bankSet, EventType.TXT_LCP_CONTROL_HASH, "LCP policy control", le(new byte[0], 0)));
        steps.add(sinitExtend(bankSet, EventType.TXT_STM_HASH, "STM (none)", new byte[1]));
        steps.add(sinitExtend(bankSet, EventType.TXT_OSSINITDATA_CAP_HASH, "OS-to-SINIT capabilities",
                le(new byte[0], 0x201)));
        steps.add(new LaunchMeasurement(PCR_MLE, LOCALITY_SINIT, MeasurementKind.PCR_EXTEND,
                EventType.TXT_MLE_HASH.code(), "MLE (tboot)", hashes(bankSet, components.mle()), new byte[0], new byte[0]));
        List<LaunchModule> modules = components.modules();
        for (int i = 0; i < modules.size(); i++) {
            steps.add(moduleExtend(bankSet, i == 0 ? PCR_MLE : PCR_MODULES, modules.get(i)));
        }
        return new MeasuredLaunchPlan(bankSet, steps);
    }

    public SortedSet<HashAlgorithm> banks() {
        return banks;
    }

    /** The steps in the order the TPM must see them. */
    public List<LaunchMeasurement> measurements() {
        return measurements;
    }

    /** The TCG event log describing {@link #measurements()}, one event per step. */
    public EventLog eventLog() {
        return eventLog;
    }

    /** PCR 17, 18 and 19 in every bank as the TPM shows them after the launch. */
    public PcrValues expectedPcrs() {
        return eventLog.replayAll();
    }

    private static LaunchMeasurement sinitExtend(Set<HashAlgorithm> banks, EventType type, String what, byte[] data) {
        return new LaunchMeasurement(PCR_SINIT, LOCALITY_SINIT, MeasurementKind.PCR_EXTEND, type.code(), what,
                hashes(banks, data), data, new byte[0]);
    }

    private static LaunchMeasurement moduleExtend(Set<HashAlgorithm> banks, int pcr, LaunchModule module) {
        byte[] image = module.image();
        Map<HashAlgorithm, byte[]> digests = new EnumMap<>(HashAlgorithm.class);
        for (HashAlgorithm b : banks) {
            digests.put(b, ModuleEventData.measurement(b, module.commandLine(), b.digest(image)));
        }
        byte[] data = new ModuleEventData(module.label(), module.commandLine()).encode();
        return new LaunchMeasurement(pcr, LOCALITY_MLE, MeasurementKind.PCR_EXTEND,
                EventType.TBOOT_MEASUREMENT.code(), "module " + module.label(), digests, data, new byte[0]);
    }

    private static Map<HashAlgorithm, byte[]> hashes(Set<HashAlgorithm> banks, byte[] data) {
        Map<HashAlgorithm, byte[]> out = new EnumMap<>(HashAlgorithm.class);
        for (HashAlgorithm b : banks) {
            out.put(b, b.digest(data));
        }
        return out;
    }

    /** prefix followed by value as a little-endian u32, the TXT heap's integer layout. */
    private static byte[] le(byte[] prefix, int value) {
        return ByteBuffer.allocate(prefix.length + 4).order(ByteOrder.LITTLE_ENDIAN).put(prefix).putInt(value).array();
    }
}
