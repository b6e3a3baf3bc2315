package org.attestedmigration.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.attestedmigration.policy.document.PolicyFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PolicyWriterTest {
    static Stream<Path> validFiles() {
        return PolicyFiles.in("valid").stream();
    }

    @ParameterizedTest
    @MethodSource("validFiles")
    void writtenPolicyReadsBackToTheSameDocument(Path file) throws Exception {
        Policy original = PolicyLoader.load(file);
        String written = PolicyWriter.toYaml(original);
        Policy reread = PolicyLoader.parse(written, "written.yaml");
        assertEquals(written, PolicyWriter.toYaml(reread));
        assertSameModel(original, reread);
    }

    /** Field by field where the model has value equality; certificates by encoding. */
    private static void assertSameModel(Policy a, Policy b) throws Exception {
        assertEquals(a.serial(), b.serial());
        assertEquals(a.name(), b.name());
        assertEquals(a.ekManufacturers().size(), b.ekManufacturers().size());
        for (int i = 0; i < a.ekManufacturers().size(); i++) {
            assertEquals(a.ekManufacturers().get(i).name(), b.ekManufacturers().get(i).name());
            assertEquals(List.of(a.ekManufacturers().get(i).certificate().getEncoded()).size(), 1);
            assertTrue(java.util.Arrays.equals(a.ekManufacturers().get(i).certificate().getEncoded(),
                    b.ekManufacturers().get(i).certificate().getEncoded()));
        }
        assertEquals(a.hosts(), b.hosts());
        assertEquals(a.groups(), b.groups());
        assertEquals(a.migrations(), b.migrations());
        assertEquals(a.measurements(), b.measurements());
        assertEquals(a.freshness(), b.freshness());
        assertEquals(a.tls(), b.tls());
        assertEquals(a.revoked(), b.revoked());
    }

    @Test
    void certificatesAreWrittenAsPemBlockScalars() throws Exception {
        String written = PolicyWriter.toYaml(PolicyLoader.load(PolicyFiles.dir("valid").resolve("full.yaml")));
        assertTrue(written.contains("      certificate: |\n        -----BEGIN CERTIFICATE-----\n"), written);
        assertTrue(written.contains("# Hosts, identified by their TPM"), written);
    }

    @Test
    void valuesThatYamlWouldReadAsAnotherTypeAreQuoted() throws Exception {
        String written = PolicyWriter.toYaml(PolicyLoader.load(PolicyFiles.dir("valid").resolve("sha1-digits.yaml")));
        assertTrue(written.contains("name: \"2024\""), written);
        assertTrue(written.contains("digest: \"0123456789012345678901234567890123456789\""), written);
    }

    @Test
    void starterPolicyLoadsAndAcceptsNothing() throws Exception {
        Policy starter = PolicyLoader.parse(PolicyWriter.starterPolicy(), "policy.yaml");
        assertTrue(starter.hosts().isEmpty());
        List<String> warnings = PolicyWarnings.of(starter);
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith("accepts nothing: hosts is empty")), warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith("accepts nothing: migrations is empty")), warnings.toString());
    }

    @Test
    void starterPolicyWrittenCanonicallyIsStable() throws Exception {
        Policy starter = PolicyLoader.parse(PolicyWriter.starterPolicy(), "policy.yaml");
        String written = PolicyWriter.toYaml(starter);
        assertEquals(written, PolicyWriter.toYaml(PolicyLoader.parse(written, "again.yaml")));
    }
}
