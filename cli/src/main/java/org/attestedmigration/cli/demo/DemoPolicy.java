package org.attestedmigration.cli.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.attestedmigration.attestation.AttestationException;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.attestedmigration.policy.AdministratorKeys;
import org.attestedmigration.policy.EnrollmentException;
import org.attestedmigration.policy.MigrationRule;
import org.attestedmigration.policy.NamedCertificate;
import org.attestedmigration.policy.Policy;
import org.attestedmigration.policy.PolicyEnrollment;
import org.attestedmigration.policy.PolicySignature;
import org.attestedmigration.policy.PolicyWriter;

/**
 * The administrator's part for emulated hosts: trust every host's EK certificate authority (each
 * emulated host has its own, standing in for TPM manufacturers), enroll the first host as the
 * reference host — its launch becomes the allowed software — and the others by identity only, so
 * that they must boot what it booted; then sign.
 */
final class DemoPolicy {
    static final String POLICY_FILE = "policy.yaml";
    static final String ADMIN_PUBLIC_KEY = "admin.pub";

    private DemoPolicy() {
    }

    /**
     * @param groups the group of each host, in the order of {@code hosts}
     * @param rules  which groups may send VMs to which
     */
    static Policy enroll(List<EmulatedHost> hosts, List<String> groups, List<MigrationRule> rules) throws AttestationException {
        List<X509Certificate> cas = new ArrayList<>();
        for (EmulatedHost host : hosts) {
            cas.addAll(host.manufacturerCertificates());
        }
        List<NamedCertificate> manufacturers = new ArrayList<>();
        for (X509Certificate ca : cas) {
            manufacturers.add(new NamedCertificate("swtpm-ca-" + manufacturers.size(), ca));
        }
        Policy policy = Policy.trusting("demo", manufacturers);
        try {
            for (int i = 0; i < hosts.size(); i++) {
                EmulatedHost host = hosts.get(i);
                policy = PolicyEnrollment.enroll(policy, host.name(), groups.get(i), HostAttestation.verify(host,
                        policy.ekManufacturerValidator(), HashAlgorithm.SHA256), List.of(),
                        i == 0 ? PolicyEnrollment.Scope.IDENTITY_AND_REFERENCE_VALUES : PolicyEnrollment.Scope.IDENTITY_ONLY);
            }
        } catch (EnrollmentException e) {
            throw new AttestationException("enrollment failed: " + e.getMessage(), e);
        }
        return policy.withMigrations(rules);
    }

    /**
     * Writes {@code dir/policy.yaml}, its signature by a fresh administrator key, and that key's
     * public half {@code dir/admin.pub} for the agents.
     *
     * @return the policy file
     */
    static Path writeSigned(Policy policy, Path dir) throws IOException, GeneralSecurityException {
        Path file = dir.resolve(POLICY_FILE);
        byte[] bytes = PolicyWriter.toYaml(policy).getBytes(StandardCharsets.UTF_8);
        Files.write(file, bytes);
        KeyPair admin = AdministratorKeys.generate();
        AdministratorKeys.write(admin, dir.resolve("admin.key"), dir.resolve(ADMIN_PUBLIC_KEY));
        Files.writeString(dir.resolve(POLICY_FILE + ".sig"), PolicySignature.sign(bytes, admin.getPrivate(), admin.getPublic()).toJson(bytes));
        return file;
    }
}
