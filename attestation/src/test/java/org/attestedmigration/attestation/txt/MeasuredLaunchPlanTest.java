package org.attestedmigration.attestation.txt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.PcrValues;
import org.attestedmigration.attestation.eventlog.EventLog;
import org.attestedmigration.attestation.eventlog.EventType;
import org.attestedmigration.attestation.eventlog.TcgEvent;
import org.junit.jupiter.api.Test;

class MeasuredLaunchPlanTest {
    static final byte[] SINIT = random(1, 5000);
    static final byte[] TBOOT = random(2, 3000);
    static final List<LaunchModule> MODULES = List.of(
            new LaunchModule("xen", random(3, 2000), "dom0_mem=2048M loglvl=all"),
            new LaunchModule("vmlinuz", random(4, 1500), "root=/dev/mapper/vg-root ro console=hvc0"),
            new LaunchModule("initrd", random(5, 1000), ""));

    static LaunchComponents components() {
        return new LaunchComponents(SINIT, TBOOT, MODULES);
    }

    @Test
    void pcr17IsTheHashSequenceThenTheSinitPolicyEventsInOrder() throws Exception {
        MeasuredLaunchPlan plan = MeasuredLaunchPlan.of(components());
        for (HashAlgorithm bank : List.of(HashAlgorithm.SHA1, HashAlgorithm.SHA256)) {
            String jca = bank.jcaName();
            byte[] pcr = h(jca, new byte[bank.digestLength()], h(jca, SINIT));
            byte[][] policyData = {
                new byte[24], // BIOS ACM ID (20 zero bytes) + SENTER flags 0
                {1, 0, 0, 0}, // processor S-CRTM status
                {0, 0, 0, 0}, // LCP policy control
                {0}, // no STM
                {1, 2, 0, 0}, // OS-to-SINIT capabilities 0x201
            };
            for (byte[] d : policyData) {
                pcr = h(jca, pcr, h(jca, d));
            }
            assertArrayEquals(pcr, plan.expectedPcrs().get(bank, 17).orElseThrow(), bank.bankName());
        }
    }

    @Test
    void pcr18And19ComputedIndependently() throws Exception {
        MeasuredLaunchPlan plan = MeasuredLaunchPlan.of(components());
        for (HashAlgorithm bank : List.of(HashAlgorithm.SHA1, HashAlgorithm.SHA256)) {
            String jca = bank.jcaName();
            byte[] zero = new byte[bank.digestLength()];
            byte[] pcr18 = h(jca, h(jca, zero, h(jca, TBOOT)), module(jca, MODULES.get(0)));
            byte[] pcr19 = h(jca, h(jca, zero, module(jca, MODULES.get(1))), module(jca, MODULES.get(2)));
            PcrValues expected = plan.expectedPcrs();
            assertArrayEquals(pcr18, expected.get(bank, 18).orElseThrow());
            assertArrayEquals(pcr19, expected.get(bank, 19).orElseThrow());
            assertEquals(Set.of(17, 18, 19), expected.indices(bank));
        }
    }

    @Test
    void stepsHaveTheRightPcrLocalityKindAndType() {
        List<LaunchMeasurement> steps = MeasuredLaunchPlan.of(components()).measurements();
        int[][] expected = { // pcr, locality, event type
            {17, 4, 0x402}, {17, 3, 0x40A}, {17, 3, 0x40B}, {17, 3, 0x40C}, {17, 3, 0x40E}, {17, 3, 0x40F},
            {18, 3, 0x404}, {18, 2, 0x501}, {19, 2, 0x501}, {19, 2, 0x501},
        };
        assertEquals(expected.length, steps.size());
        for (int i = 0; i < expected.length; i++) {
            LaunchMeasurement m = steps.get(i);
            assertEquals(expected[i][0], m.pcrIndex(), "step " + i);
            assertEquals(expected[i][1], m.locality(), "step " + i);
            assertEquals(expected[i][2], m.eventType(), "step " + i);
            assertEquals(i == 0 ? MeasurementKind.DRTM_HASH_SEQUENCE : MeasurementKind.PCR_EXTEND, m.kind());
            assertEquals(i == 0 ? SINIT.length : 0, m.sequenceData().length);
        }
        assertArrayEquals(SINIT, steps.get(0).sequenceData());
        assertArrayEquals(HashAlgorithm.SHA256.digest(SINIT), steps.get(0).digest(HashAlgorithm.SHA256));
    }

    @Test
    void moduleEventsNameTheModuleAndCarryTheCommandLine() throws Exception {
        EventLog log = MeasuredLaunchPlan.of(components()).eventLog();
        List<TcgEvent> tboot = log.events().stream()
                .filter(e -> e.eventType() == EventType.TBOOT_MEASUREMENT.code()).toList();
        assertEquals(3, tboot.size());
        for (int i = 0; i < 3; i++) {
            ModuleEventData data = ModuleEventData.parse(tboot.get(i).eventData());
            assertEquals(MODULES.get(i).label(), data.label());
            assertEquals(MODULES.get(i).commandLine(), data.commandLine());
            // What a policy does: recompute from an allowed image digest and the logged command line.
            byte[] allowedImage = HashAlgorithm.SHA256.digest(MODULES.get(i).image());
            assertArrayEquals(ModuleEventData.measurement(HashAlgorithm.SHA256, data.commandLine(), allowedImage),
                    tboot.get(i).digest(HashAlgorithm.SHA256).orElseThrow());
        }
    }

    @Test
    void eventLogRoundTripsAndReplaysToTheExpectedPcrs() throws Exception {
        MeasuredLaunchPlan plan = MeasuredLaunchPlan.of(components());
        EventLog parsed = EventLog.parse(plan.eventLog().encode());
        assertEquals(plan.eventLog(), parsed);
        assertEquals(plan.expectedPcrs(), parsed.replayAll());
        assertEquals(MeasuredLaunchPlan.DEFAULT_BANKS, parsed.banks());
    }

    @Test
    void otherBanksCanBeChosen() {
        MeasuredLaunchPlan plan = MeasuredLaunchPlan.of(components(), List.of(HashAlgorithm.SHA384));
        assertEquals(Set.of(HashAlgorithm.SHA384), plan.banks());
        assertEquals(Set.of(HashAlgorithm.SHA384), plan.expectedPcrs().banks());
        assertThrows(IllegalArgumentException.class, () -> MeasuredLaunchPlan.of(components(), List.of()));
    }

    @Test
    void componentsAreValidatedAndCopied() {
        byte[] sinit = SINIT.clone();
        LaunchComponents c = new LaunchComponents(sinit, TBOOT, MODULES);
        sinit[0] ^= 1;
        assertArrayEquals(SINIT, c.sinitAcm());
        assertThrows(IllegalArgumentException.class, () -> new LaunchComponents(SINIT, TBOOT, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new LaunchComponents(new byte[0], TBOOT, MODULES));
        assertThrows(IllegalArgumentException.class, () -> new LaunchModule("bad label", new byte[1], ""));
    }

    private static byte[] module(String jca, LaunchModule m) throws Exception {
        return h(jca, h(jca, m.commandLine().getBytes(StandardCharsets.UTF_8)), h(jca, m.image()));
    }

    private static byte[] h(String jca, byte[]... parts) throws Exception {
        MessageDigest md = MessageDigest.getInstance(jca);
        for (byte[] p : parts) {
            md.update(p);
        }
        return md.digest();
    }

    static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
