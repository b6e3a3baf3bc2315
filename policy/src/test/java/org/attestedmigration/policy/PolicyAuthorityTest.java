package org.attestedmigration.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.EnumSet;
import java.util.List;
import org.attestedmigration.policy.PolicyAuthority.DevelopmentException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Agents take only administrator-signed policies, and never an older one. */
class PolicyAuthorityTest {
    @TempDir
    Path dir;
    private KeyPair admin;
    private PolicySerialStore serials;

    @BeforeEach
    void setUp() throws Exception {
        admin = AdministratorKeys.generate();
        serials = new PolicySerialStore(dir.resolve("state/policy.serial"));
    }

    @Test
    void signedPolicyIsAcceptedAndItsSerialRecorded() throws Exception {
        Path policy = writeSigned("p.yaml", 3, admin);
        LoadedPolicy loaded = authority().load(policy);
        assertEquals(3, loaded.policy().serial());
        assertEquals(AdministratorKeys.keyId(admin.getPublic()), loaded.signedBy().orElseThrow());
        assertTrue(loaded.warnings().isEmpty());
        assertEquals(3, serials.last().orElseThrow().serial());
    }

    @Test
    void ecdsaAdministratorKeysWorkToo() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ec = g.generateKeyPair();
        Path policy = writeSigned("p.yaml", 1, ec);
        assertEquals(1, PolicyAuthority.requiringSignatureBy(List.of(ec.getPublic()), serials).load(policy).policy().serial());
    }

    @Test
    void unsignedPolicyIsRefused() throws Exception {
        Path policy = write("p.yaml", 1);
        PolicyRefusedException x = assertThrows(PolicyRefusedException.class, () -> authority().load(policy));
        assertTrue(x.getMessage().contains("not signed"), x.getMessage());
        assertTrue(serials.last().isEmpty(), "nothing recorded for a refused policy");
    }

    @Test
    void policySignedByAnotherKeyIsRefused() throws Exception {
        Path policy = writeSigned("p.yaml", 1, AdministratorKeys.generate());
        PolicyRefusedException x = assertThrows(PolicyRefusedException.class, () -> authority().load(policy));
        assertTrue(x.getMessage().contains("does not verify"), x.getMessage());
    }

    @Test
    void policyChangedAfterSigningIsRefused() throws Exception {
        Path policy = writeSigned("p.yaml", 1, admin);
        Files.writeString(policy, Files.readString(policy).replace("name: test", "name: loosened"));
        assertThrows(PolicyRefusedException.class, () -> authority().load(policy));
    }

    @Test
    void lowerSerialIsRefusedAsRollback() throws Exception {
        authority().load(writeSigned("new.yaml", 5, admin));
        Path old = writeSigned("old.yaml", 4, admin);
        PolicyRefusedException x = assertThrows(PolicyRefusedException.class, () -> authority().load(old));
        assertTrue(x.getMessage().contains("rollback"), x.getMessage());
        assertEquals(5, serials.last().orElseThrow().serial());
    }

    @Test
    void sameSerialWithOtherContentIsRefused() throws Exception {
        authority().load(writeSigned("a.yaml", 5, admin));
        Path other = dir.resolve("b.yaml");
        Files.writeString(other, policyText(5).replace("name: test", "name: other"));
        sign(other, admin);
        PolicyRefusedException x = assertThrows(PolicyRefusedException.class, () -> authority().load(other));
        assertTrue(x.getMessage().contains("raise the serial"), x.getMessage());
    }

    @Test
    void developmentExceptionsMustBeNamedAndAreReported() throws Exception {
        authority().load(writeSigned("new.yaml", 5, admin));
        Path unsignedOld = write("old.yaml", 2);
        LoadedPolicy loaded = authority()
                .withDevelopmentExceptions(EnumSet.of(DevelopmentException.ACCEPT_UNSIGNED_POLICY, DevelopmentException.ACCEPT_POLICY_ROLLBACK))
                .load(unsignedOld);
        assertEquals(2, loaded.policy().serial());
        assertEquals(2, loaded.warnings().size(), loaded.warnings().toString());
        assertTrue(loaded.signedBy().isEmpty());
        assertEquals(5, serials.last().orElseThrow().serial(), "a waived rollback does not lower the recorded serial");
    }

    @Test
    void malformedSignatureFileIsRefusedWithItsReason() throws Exception {
        Path policy = write("p.yaml", 1);
        Files.writeString(dir.resolve("p.yaml.sig"), "{ not json");
        PolicyRefusedException x = assertThrows(PolicyRefusedException.class, () -> authority().load(policy));
        assertTrue(x.getMessage().contains("p.yaml.sig"), x.getMessage());
    }

    private PolicyAuthority authority() {
        return PolicyAuthority.requiringSignatureBy(List.of(admin.getPublic()), serials);
    }

    private Path writeSigned(String name, long serial, KeyPair key) throws Exception {
        Path p = write(name, serial);
        sign(p, key);
        return p;
    }

    private static void sign(Path p, KeyPair key) throws Exception {
        byte[] bytes = Files.readAllBytes(p);
        Files.writeString(p.resolveSibling(p.getFileName() + ".sig"),
                PolicySignature.sign(bytes, key.getPrivate(), key.getPublic()).toJson(bytes), StandardCharsets.UTF_8);
    }

    private Path write(String name, long serial) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, policyText(serial));
        return p;
    }

    private static String policyText(long serial) {
        return "apiVersion: attested-migration/v1\nserial: " + serial + "\nname: test\nhosts: []\ngroups: []\nmigrations: []\nmeasurements: {}\n";
    }
}
