package org.attestedmigration.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.eventlog.EventType;
import org.attestedmigration.policy.document.PolicyFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PolicyLoaderValidTest {
    static Stream<Path> validFiles() {
        return PolicyFiles.in("valid").stream();
    }

    @ParameterizedTest
    @MethodSource("validFiles")
    void everyValidGoldenFileLoads(Path file) throws Exception {
        Policy policy = PolicyLoader.load(file);
        assertFalse(policy.name().isEmpty());
    }

    @Test
    void fullPolicyBindsEveryFeature() throws Exception {
        Policy p = PolicyLoader.load(PolicyFiles.dir("valid").resolve("full.yaml"));
        assertEquals(7, p.serial());
        assertEquals("datacenter-east", p.name());
        assertEquals(2, p.ekManufacturers().size());
        assertEquals("CN=test-ek-ca", p.ekManufacturers().get(0).certificate().getSubjectX500Principal().getName());
        assertEquals(List.of("office-1", "office-2", "laptop.7", "old_laptop"), p.hosts().stream().map(HostEntry::name).toList());
        HostEntry office2 = p.host("office-2").orElseThrow();
        assertEquals("6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b", office2.ekPublicKeySha256().orElseThrow().toString());
        assertTrue(office2.akName().isPresent());
        HostEntry laptop = p.host("laptop.7").orElseThrow();
        assertEquals(Optional.of("root=/dev/sda1 quiet"), laptop.hostUnique().kernel().orElseThrow().get(0).commandLine());
        assertTrue(laptop.hostUnique().sinit().isEmpty());
        assertEquals(List.of("laptop.7", "old_laptop", "office-2"), p.groups().get(1).hosts());
        assertEquals(List.of(new MigrationRule("office", "laptops"), new MigrationRule("laptops", "laptops")), p.migrations());

        MeasurementRules m = p.measurements();
        assertEquals(HashAlgorithm.SHA256, m.bank());
        assertEquals(List.of(18, 19), List.copyOf(m.pcrs().keySet()));
        assertEquals(2, m.pcrs().get(18).size());
        assertTrue(m.pcrs().get(19).isEmpty());
        LaunchRules launch = m.launch();
        assertEquals("sinit-5th-gen", launch.sinit().orElseThrow().get(0).name());
        assertEquals(EventType.TXT_STM_HASH.code(), launch.platform().orElseThrow().get(0).eventType());
        assertEquals(EventType.TXT_BIOSAC_REG_DATA.code(), launch.platform().orElseThrow().get(1).eventType());
        assertEquals(3, launch.hypervisor().orElseThrow().size());
        ModuleRule enrolled = launch.hypervisor().orElseThrow().get(1);
        assertTrue(enrolled.measurement().isPresent() && enrolled.imageDigest().isEmpty());
        assertEquals(Optional.empty(), launch.hypervisor().orElseThrow().get(2).commandLine());
        assertEquals(Optional.of(""), launch.kernel().orElseThrow().get(0).commandLine());
        assertEquals(Optional.of(List.of()), launch.initrd());

        assertEquals(new Freshness(Duration.ofSeconds(90), Duration.ofMillis(1500), Optional.of(Duration.ofMinutes(10))), p.freshness());
        assertEquals(new TlsRequirements(List.of("TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"), true), p.tls());
        assertEquals(List.of("old_laptop"), p.revoked().hosts());
        assertEquals(2, p.revoked().keys().size());
        assertEquals(34, p.revoked().keys().get(1).length());
    }

    @Test
    void minimalPolicyTakesTheDefaults() throws Exception {
        Policy p = PolicyLoader.load(PolicyFiles.dir("valid").resolve("minimal.yaml"));
        assertEquals(0, p.serial());
        assertEquals(HashAlgorithm.SHA256, p.measurements().bank());
        assertTrue(p.measurements().launch().isEmpty());
        assertEquals(Freshness.DEFAULT, p.freshness());
        assertEquals(TlsRequirements.DEFAULT, p.tls());
        assertEquals(Revocations.NONE, p.revoked());
    }

    @Test
    void unquotedAllDigitDigestsAndNamesAreStrings() throws Exception {
        Policy p = PolicyLoader.load(PolicyFiles.dir("valid").resolve("sha1-digits.yaml"));
        assertEquals("2024", p.name());
        assertEquals("1234", p.hosts().get(0).name());
        assertEquals(HashAlgorithm.SHA1, p.measurements().bank());
        assertEquals("0123456789012345678901234567890123456789", p.measurements().launch().mle().orElseThrow().get(0).digest().toString());
    }

    @Test
    void jsonPolicyLoads() throws Exception {
        Policy p = PolicyLoader.load(PolicyFiles.dir("valid").resolve("small.json"));
        assertEquals(HashAlgorithm.SHA384, p.measurements().bank());
        assertEquals(48, p.measurements().pcrs().get(17).get(0).digest().length());
        assertEquals(Duration.ofMinutes(2), p.freshness().maxEvidenceAge());
        assertEquals(Duration.ofSeconds(30), p.freshness().nonceLifetime());
    }

    @Test
    void jsonWithoutExtensionIsRecognisedByContent() throws Exception {
        String text = PolicyFiles.read(PolicyFiles.dir("valid").resolve("small.json"));
        assertEquals("json-policy", PolicyLoader.parse(text, "-").name());
        assertEquals(HexFormat.of().formatHex(new byte[48]), PolicyLoader.parse(text, "policy").measurements().pcrs().get(17).get(0).digest().toString());
    }
}
