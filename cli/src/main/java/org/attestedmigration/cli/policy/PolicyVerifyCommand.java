package org.attestedmigration.cli.policy;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Callable;
import org.attestedmigration.cli.ExitCode;
import org.attestedmigration.cli.Json;
import org.attestedmigration.cli.RejectedException;
import org.attestedmigration.cli.UserInputException;
import org.attestedmigration.policy.AdministratorKeys;
import org.attestedmigration.policy.LoadedPolicy;
import org.attestedmigration.policy.PolicyAuthority;
import org.attestedmigration.policy.PolicyAuthority.DevelopmentException;
import org.attestedmigration.policy.PolicyException;
import org.attestedmigration.policy.PolicyRefusedException;
import org.attestedmigration.policy.PolicySerialStore;
import org.attestedmigration.policy.PolicySignatureException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code policy verify}: what an agent does before it runs with a policy. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Accept a policy the way an agent does: FILE.sig must verify with an administrator key, and its serial",
                "must not be lower than the one recorded in --state (which is then updated). Exit 0 accepted, 1 refused."})
final class PolicyVerifyCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "the policy")
    Path file;

    @Option(names = "--admin-key", required = true, description = "a trusted administrator public key (repeatable)")
    List<Path> adminKeys;

    @Option(names = "--state", required = true, description = "the file that records the highest accepted serial")
    Path state;

    @Option(names = "--insecure-accept-unsigned-policy", description = "DEVELOPMENT ONLY: accept a policy without a valid signature")
    boolean acceptUnsigned;

    @Option(names = "--insecure-accept-policy-rollback", description = "DEVELOPMENT ONLY: accept a lower serial than the recorded one")
    boolean acceptRollback;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<PublicKey> keys = new ArrayList<>();
        for (Path k : adminKeys) {
            try {
                keys.add(AdministratorKeys.readPublicKey(k));
            } catch (PolicySignatureException e) {
                throw new UserInputException(e.getMessage(), e);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new UserInputException("no such file: " + k);
            }
        }
        EnumSet<DevelopmentException> waived = EnumSet.noneOf(DevelopmentException.class);
        if (acceptUnsigned) {
            waived.add(DevelopmentException.ACCEPT_UNSIGNED_POLICY);
        }
        if (acceptRollback) {
            waived.add(DevelopmentException.ACCEPT_POLICY_ROLLBACK);
        }
        PolicyAuthority authority = PolicyAuthority.requiringSignatureBy(keys, new PolicySerialStore(state)).withDevelopmentExceptions(waived);
        LoadedPolicy loaded;
        try {
            loaded = authority.load(file);
        } catch (PolicyRefusedException e) {
            if (json) {
                spec.commandLine().getOut().println(Json.write(Json.object().put("accepted", false).put("reason", e.getMessage())));
                return ExitCode.REJECTED;
            }
            throw new RejectedException(e.getMessage());
        } catch (PolicyException e) {
            throw new UserInputException("the policy does not load:\n" + e.getMessage(), e);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new UserInputException("no such file: " + e.getFile());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            var n = Json.object().put("accepted", true).put("serial", loaded.policy().serial())
                    .put("signedBy", loaded.signedBy().map(Object::toString).orElse(null));
            loaded.warnings().forEach(n.putArray("warnings")::add);
            out.println(Json.write(n));
        } else {
            out.printf("accepted policy '%s' serial %d, signed by %s%n", loaded.policy().name(), loaded.policy().serial(),
                    loaded.signedBy().map(k -> "administrator key " + k.abbreviated()).orElse("NOBODY"));
            loaded.warnings().forEach(w -> spec.commandLine().getErr().println("warning: " + w));
        }
        return ExitCode.OK;
    }
}
