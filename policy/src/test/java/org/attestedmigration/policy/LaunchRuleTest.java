package org.attestedmigration.policy;

import static org.attestedmigration.policy.testing.OfficeAndLaptops.peerSends;
import static org.attestedmigration.policy.testing.VerdictAssertions.assertFails;
import static org.attestedmigration.policy.testing.VerdictAssertions.assertNotApplicable;
import static org.attestedmigration.policy.testing.VerdictAssertions.assertOnlyFailures;
import static org.attestedmigration.policy.testing.VerdictAssertions.assertPasses;
import static org.attestedmigration.policy.testing.VerdictAssertions.describe;
import static org.attestedmigration.policy.testing.VerdictAssertions.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.VerifiedEvidence;
import org.attestedmigration.attestation.eventlog.EventLog;
import org.attestedmigration.attestation.eventlog.EventType;
import org.attestedmigration.attestation.eventlog.TcgEvent;
import org.attestedmigration.attestation.txt.LaunchComponents;
import org.attestedmigration.attestation.txt.LaunchModule;
import org.attestedmigration.attestation.txt.MeasuredLaunchPlan;
import org.attestedmigration.attestation.txt.ModuleEventData;
import org.attestedmigration.attestation.txt.SampleLaunch;
import org.attestedmigration.policy.testing.OfficeAndLaptops;
import org.attestedmigration.policy.testing.TestPolicy;
import org.junit.jupiter.api.Test;

/** The launch rules: each category, the structure, PCR allowlists and host-unique additions. */
class LaunchRuleTest {
    private final OfficeAndLaptops hosts = new OfficeAndLaptops();
    private final LaunchComponents trusted = SampleLaunch.trusted().components();

    private Verdict evaluate(LaunchComponents launch) {
        return hosts.policy().build().evaluate(hosts.office1Launching(launch), peerSends("office-1"));
    }

    @Test
    void changedXenImageFailsHypervisorAndPcr18() {
        Verdict v = evaluate(SampleLaunch.trusted().withHypervisor("xen-4.18.0").components());

        assertFails(v, "launch.hypervisor", "module 0 (xen.gz): image or command line \"" + SampleLaunch.XEN_CMDLINE
                + "\" is not an allowed hypervisor (allowed: '" + SampleLaunch.DEFAULT_XEN + "')");
        assertFails(v, "pcr.18", "PCR 18: value ", "is not in allowlist (allowed: '" + OfficeAndLaptops.PCR18_NAME + "' "
                + new HexValue(OfficeAndLaptops.trustedPcr(18)).abbreviated() + ")");
        assertOnlyFailures(v, "pcr.18", "launch.hypervisor");
    }

    @Test
    void changedXenCommandLineFailsHypervisor() {
        Verdict v = evaluate(withModule(0, new LaunchModule("xen.gz", trusted.modules().get(0).image(), "dom0_mem=4G")));

        assertFails(v, "launch.hypervisor", "module 0 (xen.gz): image or command line \"dom0_mem=4G\" is not an allowed hypervisor");
        assertOnlyFailures(v, "pcr.18", "launch.hypervisor");
    }

    @Test
    void changedTbootFailsMle() {
        Verdict v = evaluate(SampleLaunch.trusted().withMle("tboot-1.10.5").components());

        assertFails(v, "launch.mle", "event #6 TXT_MLE_HASH: digest ", "is not an allowed tboot (allowed: 'tboot-1.11.1')");
        assertOnlyFailures(v, "pcr.18", "launch.mle");
    }

    @Test
    void changedSinitFailsSinit() {
        Verdict v = evaluate(new LaunchComponents("another SINIT ACM".getBytes(), trusted.mle(), trusted.modules()));

        assertFails(v, "launch.sinit", "event #0 TXT_HASH_START: digest ", "is not an allowed SINIT ACM (allowed: 'sinit-5th-gen')");
        assertOnlyFailures(v, "launch.sinit");
    }

    @Test
    void changedKernelCommandLineFailsKernel() {
        Verdict v = evaluate(withModule(1, new LaunchModule("vmlinuz", trusted.modules().get(1).image(), "init=/bin/sh")));

        assertFails(v, "launch.kernel", "module 1 (vmlinuz): image or command line \"init=/bin/sh\" is not an allowed dom0 kernel");
        assertOnlyFailures(v, "launch.kernel");
    }

    @Test
    void extraModuleFailsStructure() {
        List<LaunchModule> modules = new ArrayList<>(trusted.modules());
        modules.add(new LaunchModule("rootkit.ko", "payload".getBytes(), ""));
        Verdict v = evaluate(new LaunchComponents(trusted.sinitAcm(), trusted.mle(), modules));

        assertFails(v, "launch.structure", "event #10 (TBOOT_MEASUREMENT): extra module 3 in PCR 19",
                "launch measured 4 modules (module 0 (xen.gz), module 1 (vmlinuz), module 2 (initrd.img), module 3 (rootkit.ko))");
        assertOnlyFailures(v, "launch.structure");
    }

    @Test
    void anExtraModuleTheAdministratorAllowsPassesStructureAndIsChecked() {
        LaunchModule xsm = new LaunchModule("xsm-flask.pol", "flask policy v1".getBytes(), "");
        List<LaunchModule> modules = new ArrayList<>(trusted.modules());
        modules.add(xsm);
        LaunchComponents withXsm = new LaunchComponents(trusted.sinitAcm(), trusted.mle(), modules);

        Verdict allowed = evaluateExtra(withXsm, List.of(TestPolicy.module("xsm-flask-policy", xsm)));
        assertPasses(allowed, "launch.extraModules");
        assertTrue(result(allowed, "launch.extraModules").detail().contains("module 3 (xsm-flask.pol) is 'xsm-flask-policy'"),
                describe(allowed));
        assertPasses(allowed, "launch.structure");
        assertOnlyFailures(allowed);

        LaunchModule other = new LaunchModule("xsm-flask.pol", "flask policy v2".getBytes(), "");
        Verdict changed = evaluateExtra(withXsm, List.of(TestPolicy.module("xsm-flask-policy", other)));
        assertFails(changed, "launch.extraModules", "module 3 (xsm-flask.pol): image or command line \"\" is not an allowed extra module"
                + " (allowed: 'xsm-flask-policy')");
        assertOnlyFailures(changed, "launch.extraModules");

        Verdict none = evaluateExtra(trusted, List.of());
        assertPasses(none, "launch.extraModules");
        assertTrue(result(none, "launch.extraModules").detail().contains("no module after the dom0 kernel and initrd"), describe(none));
        Verdict refused = evaluateExtra(withXsm, List.of());
        assertFails(refused, "launch.extraModules", "not an allowed extra module");
    }

    @Test
    void missingModuleFailsInitrdAndStructure() {
        Verdict v = evaluate(new LaunchComponents(trusted.sinitAcm(), trusted.mle(), trusted.modules().subList(0, 2)));

        assertFails(v, "launch.initrd", "module 2 (initrd) is missing: the launch measured 2 modules");
        assertFails(v, "launch.structure", "PCR 19 has 1 module event, expected 2 (dom0 kernel, initrd): module 2 is missing");
        assertOnlyFailures(v, "launch.initrd", "launch.structure");
    }

    @Test
    void eventsOutOfPlaceFailStructureWithTheirIndex() {
        // A second MLE measurement after module 0, and a platform-type event among the modules.
        EventLog log = MeasuredLaunchPlan.of(trusted).eventLog();
        List<TcgEvent> events = new ArrayList<>(log.events());
        events.add(TcgEvent.measuring(18, EventType.TXT_MLE_HASH.code(), log.banks(), "second tboot".getBytes()));
        events.add(TcgEvent.measuring(19, EventType.TXT_STM_HASH.code(), log.banks(), new byte[1]));
        VerifiedEvidence e = hosts.office1.attest(EventLog.builder(log.banks()).addAll(events).build());
        Verdict v = hosts.policy().launch(LaunchRules.NONE).pcr(18).build().evaluate(e, peerSends("office-1"));

        assertFails(v, "launch.structure", "event #10 (TXT_MLE_HASH): unexpected in PCR 18 after module 0",
                "event #11 (TXT_STM_HASH): unexpected in PCR 19, which holds module events only");
    }

    @Test
    void pcrAllowlistMissNamesTheAllowedValues() {
        Verdict v = hosts.policy().pcr(19, new NamedDigest("dom0-6.1", new HexValue(new byte[32]))).build()
                .evaluate(hosts.office1Trusted(), peerSends("office-1"));

        assertFails(v, "pcr.19", "PCR 19: value " + new HexValue(OfficeAndLaptops.trustedPcr(19)).abbreviated()
                + " is not in allowlist (allowed: 'dom0-6.1' 000000000000…)");
        assertPasses(v, "pcr.18");
    }

    @Test
    void emptyAllowlistAllowsNothing() {
        Verdict v = hosts.policy().pcr(18).build().evaluate(hosts.office1Trusted(), peerSends("office-1"));

        assertFails(v, "pcr.18", "the policy's list is empty");
    }

    @Test
    void absentCategoriesAreNotApplicableButTheStructureIsStillChecked() {
        Verdict v = hosts.policy().launch(LaunchRules.NONE).build().evaluate(hosts.office1Trusted(), peerSends("office-1"));

        assertTrue(v.accepted(), () -> describe(v));
        for (String rule : List.of("launch.sinit", "launch.platform", "launch.mle", "launch.hypervisor", "launch.kernel", "launch.initrd")) {
            assertNotApplicable(v, rule);
        }
        assertPasses(v, "launch.structure");
        assertTrue(result(v, "launch.structure").detail().contains("TXT_HASH_START, 5 platform events, TXT_MLE_HASH, 3 modules"),
                result(v, "launch.structure").detail());
    }

    @Test
    void emptyCategoryAllowsNothing() {
        LaunchRules noMle = withMle(OfficeAndLaptops.trustedLaunchRules(), List.of());
        Verdict v = hosts.policy().launch(noMle).build().evaluate(hosts.office1Trusted(), peerSends("office-1"));

        assertFails(v, "launch.mle", "is not an allowed tboot (allowed: nothing, the policy's list is empty)");
    }

    @Test
    void platformEventOfATypeNoEntryAllowsFails() {
        LaunchRules global = OfficeAndLaptops.trustedLaunchRules();
        List<PlatformEventRule> withoutStm = global.platform().orElseThrow().stream()
                .filter(p -> !p.name().equals("txt_stm_hash")).toList();
        LaunchRules rules = new LaunchRules(global.sinit(), Optional.of(withoutStm), global.mle(), global.hypervisor(),
                global.kernel(), global.initrd());
        Verdict v = hosts.policy().launch(rules).build().evaluate(hosts.office1Trusted(), peerSends("office-1"));

        assertFails(v, "launch.platform", "event #4 TXT_STM_HASH: digest ", "no platform entry has event type TXT_STM_HASH");
        assertOnlyFailures(v, "launch.platform");
    }

    @Test
    void hostUniqueRulesAddToTheGlobalOnesForThatHostOnly() {
        // office-1 alone may run Xen 4.18 besides the globally allowed 4.17.
        LaunchComponents xen418 = SampleLaunch.trusted().withHypervisor("xen-4.18.0").components();
        ModuleRule extra = TestPolicy.module("xen-4.18.0-office-1", xen418.modules().get(0));
        LaunchRules office1Only = new LaunchRules(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(List.of(extra)),
                Optional.empty(), Optional.empty());
        Policy policy = withHostUnique(hosts.policy().build(), "office-1", office1Only);

        Verdict office1 = policy.evaluate(hosts.office1.launch(xen418), peerSends("office-1"));
        Verdict office1Old = policy.evaluate(hosts.office1.launch(trusted), peerSends("office-1"));
        Verdict office2 = policy.evaluate(hosts.office2.launch(xen418), peerSends("office-2"));

        assertPasses(office1, "launch.hypervisor");
        assertTrue(result(office1, "launch.hypervisor").detail().contains("'xen-4.18.0-office-1'"));
        assertPasses(office1Old, "launch.hypervisor");
        assertFails(office2, "launch.hypervisor", "(allowed: 'xen-4.17.3')");
    }

    @Test
    void hostUniqueCategoryAppliesWhenTheGlobalOneIsAbsent() {
        LaunchRules global = withMle(OfficeAndLaptops.trustedLaunchRules(), null);
        LaunchRules office2Mle = new LaunchRules(Optional.empty(), Optional.empty(),
                Optional.of(List.of(new NamedDigest("tboot-1.10.5", new HexValue(HashAlgorithm.SHA256.digest(
                        SampleLaunch.trusted().withMle("tboot-1.10.5").components().mle()))))),
                Optional.empty(), Optional.empty(), Optional.empty());
        Policy policy = withHostUnique(hosts.policy().launch(global).build(), "office-2", office2Mle);

        Verdict office1 = policy.evaluate(hosts.office1Trusted(), peerSends("office-1"));
        Verdict office2 = policy.evaluate(hosts.office2.launch(trusted), peerSends("office-2"));

        assertNotApplicable(office1, "launch.mle");
        assertFails(office2, "launch.mle", "is not an allowed tboot (allowed: 'tboot-1.10.5')");
    }

    @Test
    void enrolledMeasurementEntriesMatchTheDigestAndTheLoggedCommandLine() {
        LaunchModule xen = trusted.modules().get(0);
        byte[] measurement = ModuleEventData.measurement(HashAlgorithm.SHA256, xen.commandLine(), HashAlgorithm.SHA256.digest(xen.image()));
        ModuleRule right = new ModuleRule("xen-enrolled", Optional.empty(), Optional.of(xen.commandLine()), Optional.of(new HexValue(measurement)));
        ModuleRule wrongText = new ModuleRule("xen-other-text", Optional.empty(), Optional.of("dom0_mem=1G"), Optional.of(new HexValue(measurement)));
        ModuleRule digestOnly = new ModuleRule("xen-digest-only", Optional.empty(), Optional.empty(), Optional.of(new HexValue(measurement)));

        assertPasses(evaluateHypervisor(List.of(right)), "launch.hypervisor");
        assertPasses(evaluateHypervisor(List.of(digestOnly)), "launch.hypervisor");
        assertFails(evaluateHypervisor(List.of(wrongText)), "launch.hypervisor", "(allowed: 'xen-other-text')");
    }

    @Test
    void launchRulesInABankTheLogLacksFailClosed() {
        Policy base = hosts.policy().build();
        MeasurementRules sha384 = new MeasurementRules(HashAlgorithm.SHA384, new TreeMap<>(), base.measurements().launch());
        Policy policy = new Policy(base.serial(), base.name(), base.ekManufacturers(), base.hosts(), base.groups(), base.migrations(),
                sha384, base.freshness(), base.tls(), base.revoked());
        Verdict v = policy.evaluate(hosts.office1Trusted(), peerSends("office-1"));

        assertFails(v, "launch.completed", "PCR 17 (sha384) is not covered by the quote");
        assertFails(v, "launch.mle", "the event log has no sha384 digests (its banks: sha1, sha256)");
        assertFails(v, "launch.structure", "the event log has no sha384 digests");
        assertOnlyFailures(v, "launch.completed", "launch.sinit", "launch.platform", "launch.mle", "launch.hypervisor",
                "launch.kernel", "launch.initrd", "launch.structure");
    }

    @Test
    void theSha1BankIsCheckedWhenThePolicySaysSo() {
        Policy base = hosts.policy().build();
        MeasurementRules sha1 = new MeasurementRules(HashAlgorithm.SHA1, new TreeMap<>(), LaunchRules.NONE);
        Policy policy = new Policy(base.serial(), base.name(), base.ekManufacturers(), base.hosts(), base.groups(), base.migrations(),
                sha1, base.freshness(), base.tls(), base.revoked());
        Verdict v = policy.evaluate(hosts.office1Trusted(), peerSends("office-1"));

        assertTrue(v.accepted(), () -> describe(v));
        assertTrue(result(v, "launch.completed").detail().startsWith("PCR 17 (sha1)"));
    }

    @Test
    void launchRuleIdsAreStable() {
        Verdict v = evaluate(trusted);
        assertEquals(List.of("launch.completed", "launch.sinit", "launch.platform", "launch.mle", "launch.hypervisor",
                "launch.kernel", "launch.initrd", "launch.extraModules", "launch.structure"),
                v.results().stream().map(RuleResult::rule).filter(r -> r.startsWith("launch.")).toList());
    }

    private Verdict evaluateHypervisor(List<ModuleRule> allowed) {
        LaunchRules g = OfficeAndLaptops.trustedLaunchRules();
        LaunchRules rules = new LaunchRules(g.sinit(), g.platform(), g.mle(), Optional.of(allowed), g.kernel(), g.initrd());
        VerifiedEvidence e = hosts.office1Trusted();
        return hosts.policy().launch(rules).build().evaluate(e, peerSends("office-1"));
    }

    /** The trusted launch rules with {@code extraModules} allowed, evaluating office-1 booting {@code launch}. */
    private Verdict evaluateExtra(LaunchComponents launch, List<ModuleRule> extra) {
        LaunchRules g = OfficeAndLaptops.trustedLaunchRules();
        LaunchRules rules = new LaunchRules(g.sinit(), g.platform(), g.mle(), g.hypervisor(), g.kernel(), g.initrd(), Optional.of(extra));
        return hosts.policy().launch(rules).build().evaluate(hosts.office1Launching(launch), peerSends("office-1"));
    }

    private LaunchComponents withModule(int index, LaunchModule replacement) {
        List<LaunchModule> modules = new ArrayList<>(trusted.modules());
        modules.set(index, replacement);
        return new LaunchComponents(trusted.sinitAcm(), trusted.mle(), modules);
    }

    /** The rules with another MLE list; null removes the category. */
    private static LaunchRules withMle(LaunchRules r, List<NamedDigest> mle) {
        return new LaunchRules(r.sinit(), r.platform(), Optional.ofNullable(mle), r.hypervisor(), r.kernel(), r.initrd());
    }

    private static Policy withHostUnique(Policy base, String host, LaunchRules own) {
        List<HostEntry> changed = base.hosts().stream()
                .map(h -> h.name().equals(host) ? new HostEntry(h.name(), h.ekPublicKeySha256(), h.akName(), own) : h).toList();
        return new Policy(base.serial(), base.name(), base.ekManufacturers(), changed, base.groups(), base.migrations(),
                base.measurements(), base.freshness(), base.tls(), base.revoked());
    }
}
