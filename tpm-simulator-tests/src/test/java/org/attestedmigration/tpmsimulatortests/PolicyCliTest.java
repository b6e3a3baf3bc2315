package org.attestedmigration.tpmsimulatortests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.attestedmigration.attestation.txt.SampleLaunch;
import org.attestedmigration.cli.ExitCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The administrator's workflow through the CLI on real software TPMs: init, enroll a reference
 * host and an identity-only host, allow a direction, check, sign, verify, and explain verdicts on
 * captured evidence, including a host that booted an unapproved Xen.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PolicyCliTest {
    private static final String NONCE = "5e1f0c3a9b7d2e4f6a8c0b1d3e5f7a9c";
    @TempDir
    static Path dir;
    private EmulatedHost office;
    private EmulatedHost laptop;
    private EmulatedHost rogue;
    private Path policy;

    @BeforeAll
    void enrollHosts() throws Exception {
        office = Hosts.bootTrusted(dir, "office-1");
        laptop = Hosts.bootTrusted(dir, "laptop-7");
        rogue = EmulatedHost.boot("laptop-9", dir.resolve("laptop-9"), SampleLaunch.trusted().withHypervisor("xen-4.18.0-rc1").components());
        policy = dir.resolve("policy.yaml");
        Cli.run("policy", "init", "--out", policy.toString()).assertExit(ExitCode.OK);
        enroll(office, "office", false);
        enroll(laptop, "laptops", true);
        enroll(rogue, "laptops", true);
        // The administrator lets laptops pull VMs from the office, not push them there.
        Files.writeString(policy, Files.readString(policy).replace("migrations: []", "migrations:\n  - from: office\n    to: laptops"));
    }

    @AfterAll
    void stopHosts() {
        office.close();
        laptop.close();
        rogue.close();
    }

    @Test
    void enrolledPolicyChecksCleanAndHasTheReferenceLaunch() throws Exception {
        Cli.Run check = Cli.run("policy", "check", "--json", policy.toString()).assertExit(ExitCode.OK);
        JsonNode result = new ObjectMapper().readTree(check.out());
        assertTrue(result.get("valid").asBoolean());
        assertEquals(4, result.get("serial").asInt(), "init is serial 1, and each enrollment raises it");
        assertEquals(0, result.get("warnings").size(), check.out());
        String text = Files.readString(policy);
        assertTrue(text.contains("xen.gz-office-1") && text.contains(SampleLaunch.XEN_CMDLINE), text);
        assertFalse(text.contains("laptop-9-"), "identity-only enrollment adds no reference values");
    }

    @Test
    void laptopBootedFromTheReferenceSoftwareMayReceiveFromTheOffice() throws Exception {
        Path evidence = quote(laptop);
        Cli.Run eval = eval(evidence, "laptop-7", "destination", "office-1").assertExit(ExitCode.OK);
        assertTrue(eval.out().startsWith("verdict: ACCEPT"), eval.out());
        assertTrue(eval.out().contains("launch.hypervisor"), eval.out());
    }

    @Test
    void laptopMayNotPushToTheOffice() throws Exception {
        Cli.Run eval = eval(quote(laptop), "laptop-7", "source", "office-1").assertExit(ExitCode.REJECTED);
        assertTrue(eval.out().contains("FAIL migration.direction"), eval.out());
        assertTrue(eval.out().contains("no migration rule from laptops to office"), eval.out());
    }

    @Test
    void hostWithUnapprovedXenIsRejectedNamingTheHypervisor() throws Exception {
        Cli.Run eval = eval(quote(rogue), "laptop-9", "destination", "office-1").assertExit(ExitCode.REJECTED);
        assertTrue(eval.out().contains("FAIL launch.hypervisor"), eval.out());
        assertTrue(eval.out().contains("xen.gz"), eval.out());
        assertFalse(eval.out().contains("FAIL host.identity"), "the host itself is known: " + eval.out());
    }

    @Test
    void evidenceOfOneHostPresentedAsAnotherIsRejected() throws Exception {
        Cli.Run eval = eval(quote(rogue), "laptop-7", "destination", "office-1").assertExit(ExitCode.REJECTED);
        assertTrue(eval.out().contains("FAIL host.identity"), eval.out());
    }

    @Test
    void verdictAsJsonListsEveryRule() throws Exception {
        Cli.Run eval = Cli.run("policy", "eval", "--policy", policy.toString(), "--evidence", quote(rogue).toString(), "--nonce", NONCE,
                "--host", "laptop-9", "--role", "destination", "--local", "office-1", "--json").assertExit(ExitCode.REJECTED);
        JsonNode v = new ObjectMapper().readTree(eval.out());
        assertEquals("REJECT", v.get("verdict").asText());
        assertTrue(v.get("rules").size() >= 14, eval.out());
        assertTrue(v.get("reasons").get(0).asText().startsWith("launch.hypervisor"), eval.out());
    }

    @Test
    void signedPolicyIsVerifiedAndAnOlderOneRefused() throws Exception {
        Path work = Files.createDirectories(dir.resolve("signing"));
        Path p = work.resolve("policy.yaml");
        Files.copy(policy, p);
        Cli.run("policy", "keygen", "--out", work.resolve("admin").toString()).assertExit(ExitCode.OK);
        Path state = work.resolve("agent/policy.serial");
        String pub = work.resolve("admin.pub").toString();
        Cli.run("policy", "verify", p.toString(), "--admin-key", pub, "--state", state.toString()).assertExit(ExitCode.REJECTED).assertNoStackTrace();
        Cli.run("policy", "sign", "--key", work.resolve("admin.key").toString(), p.toString()).assertExit(ExitCode.OK);
        Cli.run("policy", "verify", p.toString(), "--admin-key", pub, "--state", state.toString()).assertExit(ExitCode.OK);

        Path older = work.resolve("older.yaml");
        Files.writeString(older, Files.readString(p).replaceFirst("serial: \\d+", "serial: 2"));
        Cli.run("policy", "sign", "--key", work.resolve("admin.key").toString(), older.toString()).assertExit(ExitCode.OK);
        Cli.Run refused = Cli.run("policy", "verify", older.toString(), "--admin-key", pub, "--state", state.toString())
                .assertExit(ExitCode.REJECTED);
        assertTrue(refused.err().contains("rollback"), refused.describe());
    }

    @Test
    void enrollingWithoutAKnownManufacturerIsAUsageError() throws Exception {
        Path fresh = dir.resolve("fresh.yaml");
        Cli.run("policy", "init", "--out", fresh.toString()).assertExit(ExitCode.OK);
        Cli.Run run = Cli.run("policy", "enroll", "--policy", fresh.toString(), "--tpm", office.tpmUri().toString(), "--host", "x",
                "--group", "g", "--event-log", office.directory().resolve(EmulatedHost.EVENT_LOG_FILE).toString())
                .assertExit(ExitCode.USAGE).assertNoStackTrace();
        assertTrue(run.err().contains("--ek-ca"), run.describe());
    }

    private void enroll(EmulatedHost host, String group, boolean identityOnly) {
        Path ca = host.directory().resolve("ca");
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("policy", "enroll", "--policy", policy.toString(),
                "--tpm", host.tpmUri().toString(), "--host", host.name(), "--group", group,
                "--event-log", host.directory().resolve(EmulatedHost.EVENT_LOG_FILE).toString(),
                "--ek-ca", ca.resolve("swtpm-localca-rootca-cert.pem").toString(), "--ek-ca", ca.resolve("issuercert.pem").toString()));
        if (identityOnly) {
            args.add("--identity-only");
        }
        Cli.run(args.toArray(String[]::new)).assertExit(ExitCode.OK);
    }

    private Path quote(EmulatedHost host) throws Exception {
        Path out = Files.createTempDirectory(dir, host.name() + "-evidence");
        Cli.run("tpm", "quote", "--tpm", host.tpmUri().toString(), "--nonce", NONCE, "--pcrs", "sha256:0,17,18,19",
                "--event-log", host.directory().resolve(EmulatedHost.EVENT_LOG_FILE).toString(), "--out", out.toString()).assertExit(ExitCode.OK);
        return out;
    }

    private Cli.Run eval(Path evidence, String hostName, String role, String local) {
        return Cli.run("policy", "eval", "--policy", policy.toString(), "--evidence", evidence.toString(), "--nonce", NONCE,
                "--host", hostName, "--role", role, "--local", local);
    }
}
