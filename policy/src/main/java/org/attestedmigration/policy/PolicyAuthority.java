package org.attestedmigration.policy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.attestedmigration.attestation.HashAlgorithm;

/**
 * How an agent takes a policy: only if an administrator key it trusts signed the exact file, and
 * only if its serial is not lower than the last one it accepted. Relaxing either is possible for
 * development, by naming the {@link DevelopmentException} explicitly; each one used is reported
 * as a warning in the {@link LoadedPolicy}.
 */
public final class PolicyAuthority {
    /** The rules a development setup may waive. Never in production. */
    public enum DevelopmentException {
        /** Accept a policy without a valid administrator signature. */
        ACCEPT_UNSIGNED_POLICY,
        /** Accept a policy whose serial is lower than the last one accepted. */
        ACCEPT_POLICY_ROLLBACK
    }

    private final List<PublicKey> administrators;
    private final PolicySerialStore serials;
    private final Set<DevelopmentException> exceptions;

    private PolicyAuthority(Collection<PublicKey> administrators, PolicySerialStore serials, Set<DevelopmentException> exceptions) {
        this.administrators = List.copyOf(administrators);
        this.serials = serials;
        this.exceptions = exceptions.isEmpty() ? EnumSet.noneOf(DevelopmentException.class) : EnumSet.copyOf(exceptions);
    }

    /** Policies must be signed by one of these keys and must not roll back below what {@code serials} recorded. */
    public static PolicyAuthority requiringSignatureBy(Collection<PublicKey> administrators, PolicySerialStore serials) {
        return new PolicyAuthority(administrators, serials, EnumSet.noneOf(DevelopmentException.class));
    }

    /** The same authority waiving the named rules; for development setups only. */
    public PolicyAuthority withDevelopmentExceptions(Set<DevelopmentException> waived) {
        return new PolicyAuthority(administrators, serials, waived);
    }

    /**
     * Loads {@code policyFile}, verifying {@code policyFile + ".sig"}, and records its serial.
     *
     * @throws PolicyRefusedException unsigned, badly signed, by an unknown key, or rolled back
     * @throws PolicyException        the policy does not load (with file:line:column)
     */
    public LoadedPolicy load(Path policyFile) throws IOException, PolicyRefusedException, PolicyException {
        byte[] bytes = Files.readAllBytes(policyFile);
        List<String> warnings = new ArrayList<>();
        Optional<HexValue> signer = checkSignature(policyFile, bytes, warnings);
        Policy policy = PolicyLoader.parse(new String(bytes, StandardCharsets.UTF_8), policyFile.toString());
        HexValue digest = new HexValue(HashAlgorithm.SHA256.digest(bytes));
        Optional<PolicySerialStore.Accepted> last = serials.last();
        if (last.isPresent()) {
            long held = last.get().serial();
            boolean rollback = policy.serial() < held;
            boolean reused = policy.serial() == held && !last.get().sha256().equals(digest);
            if (rollback || reused) {
                String why = rollback
                        ? "policy serial " + policy.serial() + " is lower than serial " + held + " accepted before (rollback)"
                        : "policy serial " + policy.serial() + " was already accepted with different content; raise the serial";
                if (!exceptions.contains(DevelopmentException.ACCEPT_POLICY_ROLLBACK)) {
                    throw new PolicyRefusedException(why);
                }
                warnings.add("DEVELOPMENT EXCEPTION: " + why + ", accepted anyway");
            }
        }
        if (last.isEmpty() || policy.serial() >= last.get().serial()) {
            serials.record(policy.serial(), digest);
        }
        return new LoadedPolicy(policy, signer, warnings);
    }

    private Optional<HexValue> checkSignature(Path policyFile, byte[] bytes, List<String> warnings)
            throws IOException, PolicyRefusedException {
        Path sigFile = policyFile.resolveSibling(policyFile.getFileName() + ".sig");
        String problem;
        try {
            PolicySignature signature = PolicySignature.fromJson(Files.readAllBytes(sigFile));
            for (PublicKey admin : administrators) {
                if (signature.verifies(bytes, admin)) {
                    return Optional.of(AdministratorKeys.keyId(admin));
                }
            }
            problem = "the signature in " + sigFile + " (key " + signature.keyId().abbreviated()
                    + ") does not verify with any trusted administrator key (" + administrators.size() + " configured)";
        } catch (NoSuchFileException e) {
            problem = "the policy is not signed: " + sigFile + " is missing (sign it with: attested-migrate policy sign)";
        } catch (PolicySignatureException e) {
            problem = sigFile + ": " + e.getMessage();
        }
        if (!exceptions.contains(DevelopmentException.ACCEPT_UNSIGNED_POLICY)) {
            throw new PolicyRefusedException(problem);
        }
        warnings.add("DEVELOPMENT EXCEPTION: " + problem + "; accepted anyway");
        return Optional.empty();
    }
}
