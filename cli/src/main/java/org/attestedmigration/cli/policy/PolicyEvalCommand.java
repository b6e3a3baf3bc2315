package org.attestedmigration.cli.policy;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.attestedmigration.attestation.Evidence;
import org.attestedmigration.attestation.EvidenceFiles;
import org.attestedmigration.attestation.MalformedStructureException;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.TrustedAttestationKey;
import org.attestedmigration.attestation.VerificationException;
import org.attestedmigration.attestation.Verifier;
import org.attestedmigration.cli.ExitCode;
import org.attestedmigration.cli.HexConverter;
import org.attestedmigration.cli.Json;
import org.attestedmigration.cli.UserInputException;
import org.attestedmigration.policy.EvaluationContext;
import org.attestedmigration.policy.PeerRole;
import org.attestedmigration.policy.Policy;
import org.attestedmigration.policy.Verdict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code policy eval}: explains, offline, what the policy says about captured evidence. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Explain a verdict offline: verify the evidence in DIR (from 'tpm quote --out DIR') and evaluate every",
                "policy rule for a migration between --host (the evidence's host) and --local. Offline there is no",
                "credential activation: the AK counts only if the policy pins it for the host (enrollment does), and TLS",
                "rules are not applicable. The evidence's age is taken from quote.msg's modification time.",
                "Exit 0 ACCEPT, 1 REJECT."})
final class PolicyEvalCommand implements Callable<Integer> {
    @Option(names = "--policy", required = true, description = "the policy file")
    Path policyFile;

    @Option(names = "--evidence", required = true, paramLabel = "DIR", description = "evidence directory")
    Path evidenceDir;

    @Option(names = "--nonce", required = true, converter = HexConverter.class, paramLabel = "HEX",
            description = "the nonce the quote was made for (its extraData)")
    HexConverter.Bytes nonce;

    @Option(names = "--host", required = true, description = "the policy host the evidence claims to come from")
    String host;

    @Option(names = "--role", required = true, description = "that host's part in the migration: ${COMPLETION-CANDIDATES}")
    PeerRole role;

    @Option(names = "--local", required = true, description = "the other host of the migration (the verifier)")
    String local;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Policy policy = PolicyFiles.load(policyFile);
        Evidence evidence = readEvidence();
        Instant quoted = Files.getLastModifiedTime(evidenceDir.resolve(EvidenceFiles.QUOTE_MESSAGE)).toInstant();
        EvaluationContext context = new EvaluationContext(local, host, role, quoted, Instant.now(), Optional.empty());
        Verdict verdict;
        try {
            TrustedAttestationKey ak = TrustedAttestationKey.pinned(evidence.akPublicArea());
            Verifier verifier = Verifier.trusting(ak).requiring(List.of(PcrSelection.of(policy.measurements().bank(), 17, 18, 19)));
            verdict = policy.evaluate(verifier.verify(evidence, nonce.value()), context);
        } catch (MalformedStructureException e) {
            throw new UserInputException(evidenceDir + ": " + e.getMessage(), e);
        } catch (VerificationException e) {
            verdict = Verdict.rejectedBy(e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(VerdictPrinter.toJson(verdict)));
        } else {
            VerdictPrinter.print(verdict, out);
        }
        return verdict.accepted() ? ExitCode.OK : ExitCode.REJECTED;
    }

    private Evidence readEvidence() {
        try {
            return EvidenceFiles.read(evidenceDir);
        } catch (NoSuchFileException e) {
            throw new UserInputException("the evidence in " + evidenceDir + " lacks " + e.getFile());
        } catch (MalformedStructureException e) {
            throw new UserInputException(evidenceDir + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UserInputException("cannot read " + evidenceDir + ": " + e.getMessage(), e);
        }
    }
}
