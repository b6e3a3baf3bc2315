package org.attestedmigration.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.attestedmigration.policy.document.PolicyFiles;
import org.junit.jupiter.api.Test;

class PolicyWarningsTest {
    private static final String HEAD = """
            apiVersion: attested-migration/v1
            serial: 1
            name: w
            """;
    private static final String TWO_HOSTS = """
            hosts:
              - name: a
                akName: 000b5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9
              - name: b
                ekPublicKeySha256: 6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b
            """;
    private static final String MLE = """
            measurements:
              launch:
                mle: [{name: t, digest: 4fc82b26aecb47d2868c4efbe3581732a3e7cbcc6c2efb32062c08170a05eeb8}]
            """;

    private static List<String> warnings(String body) throws PolicyException {
        return PolicyWarnings.of(PolicyLoader.parse(HEAD + body, "w.yaml"));
    }

    @Test
    void aUsefulPolicyHasNoWarnings() throws Exception {
        assertEquals(List.of(), warnings(TWO_HOSTS + "groups: [{name: g, hosts: [a, b]}]\nmigrations: [{from: g, to: g}]\n" + MLE));
    }

    @Test
    void fullGoldenPolicyWarnsOnlyAboutItsEmptyLists() throws Exception {
        List<String> w = PolicyWarnings.of(PolicyLoader.load(PolicyFiles.dir("valid").resolve("full.yaml")));
        assertEquals(List.of("accepts nothing: measurements.pcrs.19 is an empty list, so no value of PCR 19 is allowed.",
                "accepts nothing: measurements.launch.initrd is an empty list, so no initrd measurement is allowed."), w);
    }

    @Test
    void noHostsAndNoRules() throws Exception {
        List<String> w = warnings("hosts: []\ngroups: []\nmigrations: []\n" + MLE);
        assertTrue(w.contains("accepts nothing: hosts is empty, so no peer can be identified."), w.toString());
        assertTrue(w.contains("accepts nothing: migrations is empty, so no VM may move between any hosts."), w.toString());
    }

    @Test
    void everyRuleUsesAnEmptyGroup() throws Exception {
        List<String> w = warnings(TWO_HOSTS + "groups: [{name: g, hosts: [a]}, {name: none, hosts: []}]\n"
                + "migrations: [{from: g, to: none}, {from: none, to: g}]\n" + MLE);
        assertEquals(List.of("accepts nothing: every migration rule uses a group without hosts (none), so no rule can apply."), w);
    }

    @Test
    void everyHostRevokedByNameOrKey() throws Exception {
        List<String> w = warnings(TWO_HOSTS + "groups: [{name: g, hosts: [a, b]}]\nmigrations: [{from: g, to: g}]\n" + MLE
                + "revoked:\n  hosts: [a]\n  keys: [6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b]\n");
        assertEquals(List.of("accepts nothing: revoked covers every host (by name or key), so no peer can pass host.revoked."), w);
    }

    @Test
    void noManufacturerAndNoPinnedAk() throws Exception {
        List<String> w = warnings("""
                hosts: [{name: b, ekPublicKeySha256: 6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b}]
                groups: [{name: g, hosts: [b]}]
                migrations: [{from: g, to: g}]
                """ + MLE);
        assertEquals(1, w.size(), w.toString());
        assertTrue(w.get(0).startsWith("accepts nothing: trustAnchors.ekManufacturers is empty and no host pins an akName"), w.toString());
    }

    @Test
    void noMeasurementConstraint() throws Exception {
        List<String> w = warnings(TWO_HOSTS + "groups: [{name: g, hosts: [a, b]}]\nmigrations: [{from: g, to: g}]\nmeasurements: {}\n");
        assertEquals(List.of("accepts anything: measurements has no pcrs and no launch category, so any booted software passes."), w);
    }

    @Test
    void hostsWithoutOwnRulesWhenThereIsNoGlobalConstraint() throws Exception {
        String hosts = TWO_HOSTS.replace("  - name: b\n", "  - name: b\n    launch: {mle: []}\n");
        List<String> w = warnings(hosts + "groups: [{name: g, hosts: [a, b]}]\nmigrations: [{from: g, to: g}]\nmeasurements: {}\n");
        assertTrue(w.contains("accepts anything: measurements has no pcrs and no launch category, and these hosts have no launch rules of their own:"
                + " a; any software booted on them passes."), w.toString());
        assertTrue(w.stream().anyMatch(s -> s.startsWith("accepts nothing: host b: launch.mle is an empty list")), w.toString());
    }
}
