package org.attestedmigration.cli.policy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.attestedmigration.attestation.DirectAttestation;
import org.attestedmigration.attestation.EvidenceFiles;
import org.attestedmigration.attestation.MalformedStructureException;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.attestation.TpmUri;
import org.attestedmigration.attestation.VerificationException;
import org.attestedmigration.attestation.VerifiedEvidence;
import org.attestedmigration.attestation.ek.EkCertificateValidator;
import org.attestedmigration.cli.ExitCode;
import org.attestedmigration.cli.InputFiles;
import org.attestedmigration.cli.RejectedException;
import org.attestedmigration.cli.TpmUriConverter;
import org.attestedmigration.cli.UserInputException;
import org.attestedmigration.policy.EnrollmentException;
import org.attestedmigration.policy.NamedCertificate;
import org.attestedmigration.policy.Policy;
import org.attestedmigration.policy.PolicyEnrollment;
import org.attestedmigration.policy.PolicyException;
import org.attestedmigration.policy.PolicyLoader;
import org.attestedmigration.policy.PolicyWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code policy enroll}: a known-good host's identity and measured launch into the policy. */
@Command(name = "enroll", mixinStandardHelpOptions = true,
        description = {"Enroll a host from its TPM: its EK certificate must chain to a manufacturer CA (the policy's or",
                "--ek-ca), its AK is activated against that EK, its quote is verified with --event-log, and then its",
                "identity (EK public key hash, AK name), its group and, unless --identity-only, its measured launch",
                "(SINIT, platform events, tboot, Xen, dom0 kernel, initrd) are added. The serial is raised; re-sign after."})
final class PolicyEnrollCommand implements Callable<Integer> {
    @Option(names = "--policy", required = true, description = "the policy file to update")
    Path policyFile;

    @Option(names = "--tpm", required = true, converter = TpmUriConverter.class, description = "the host's TPM")
    TpmUri tpmUri;

    @Option(names = "--host", required = true, description = "the host's name in the policy")
    String host;

    @Option(names = "--group", required = true, description = "the group to put it in (created if new)")
    String group;

    @Option(names = "--event-log", required = true, description = "the host's measured-launch event log")
    Path eventLog;

    @Option(names = "--ek-ca", description = "a manufacturer CA certificate for the EK certificate, added to the policy (repeatable)")
    List<Path> ekCas = new ArrayList<>();

    @Option(names = "--identity-only", description = "add the identity and group only, not the launch as reference values")
    boolean identityOnly;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Policy policy = PolicyFiles.load(policyFile);
        List<X509Certificate> added = new ArrayList<>();
        for (Path p : ekCas) {
            try {
                added.add(EvidenceFiles.certificate(InputFiles.read(p)));
            } catch (MalformedStructureException e) {
                throw new UserInputException(p + ": " + e.getMessage(), e);
            }
        }
        List<X509Certificate> anchors = new ArrayList<>(policy.ekManufacturers().stream().map(NamedCertificate::certificate).toList());
        anchors.addAll(added);
        if (anchors.isEmpty()) {
            throw new UserInputException("the policy trusts no EK manufacturer yet: give the CA that issued this TPM's EK certificate with --ek-ca");
        }
        byte[] log = InputFiles.read(eventLog);
        VerifiedEvidence evidence = attest(validator(anchors), log, PcrSelection.of(policy.measurements().bank(), 0, 17, 18, 19));
        Policy enrolled;
        try {
            enrolled = PolicyEnrollment.enroll(policy, host, group, evidence, added,
                    identityOnly ? PolicyEnrollment.Scope.IDENTITY_ONLY : PolicyEnrollment.Scope.IDENTITY_AND_REFERENCE_VALUES);
        } catch (EnrollmentException | IllegalArgumentException e) {
            throw new UserInputException("cannot enroll " + host + ": " + e.getMessage(), e);
        }
        String yaml = PolicyWriter.toYaml(enrolled);
        try {
            PolicyLoader.parse(yaml, policyFile.toString()); // never write a policy that would not load
        } catch (PolicyException e) {
            throw new IllegalStateException("enrollment produced an invalid policy:\n" + e.getMessage(), e);
        }
        Path tmp = Files.createTempFile(policyFile.toAbsolutePath().getParent(), ".enroll", ".yaml");
        Files.writeString(tmp, yaml, StandardCharsets.UTF_8);
        Files.move(tmp, policyFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        spec.commandLine().getOut().printf("enrolled host '%s' in group '%s'%s; policy serial %d -> %d (sign it again: policy sign)%n",
                host, group, identityOnly ? " (identity only)" : " with its launch as reference values", policy.serial(), enrolled.serial());
        return ExitCode.OK;
    }

    private static EkCertificateValidator validator(List<X509Certificate> anchors) {
        try {
            return EkCertificateValidator.fromAnchors(anchors);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--ek-ca and the policy's manufacturers: " + e.getMessage(), e);
        }
    }

    private VerifiedEvidence attest(EkCertificateValidator validator, byte[] log, PcrSelection quoted) throws Exception {
        try (Tpm tpm = Tpm.open(tpmUri)) {
            return DirectAttestation.attest(tpm, validator, quoted, log);
        } catch (VerificationException e) {
            throw new RejectedException("the host's evidence does not verify, so it cannot be a reference: " + e.getMessage());
        }
    }
}
