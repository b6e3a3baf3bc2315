package org.attestedmigration.cli.policy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.concurrent.Callable;
import org.attestedmigration.cli.ExitCode;
import org.attestedmigration.cli.InputFiles;
import org.attestedmigration.cli.UserInputException;
import org.attestedmigration.policy.AdministratorKeys;
import org.attestedmigration.policy.Policy;
import org.attestedmigration.policy.PolicySignature;
import org.attestedmigration.policy.PolicySignatureException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code policy sign --key K F}: the administrator's detached signature, F.sig. */
@Command(name = "sign", mixinStandardHelpOptions = true,
        description = "Check the policy, then sign its exact bytes with the administrator key; writes FILE.sig next to it.")
final class PolicySignCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "the policy")
    Path file;

    @Option(names = "--key", required = true, description = "the administrator's private key (from policy keygen)")
    Path key;

    @Option(names = "--public-key", description = "its public key (default: the .key file's name with .pub)")
    Path publicKey;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Policy policy = PolicyFiles.load(file);
        byte[] bytes = InputFiles.read(file);
        Path pubFile = publicKey != null ? publicKey : Path.of(key.toString().replaceFirst("\\.key$", "") + ".pub");
        PrivateKey priv;
        PublicKey pub;
        try {
            priv = AdministratorKeys.readPrivateKey(key);
            pub = AdministratorKeys.readPublicKey(pubFile);
        } catch (PolicySignatureException e) {
            throw new UserInputException(e.getMessage(), e);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new UserInputException("no such file: " + e.getFile());
        }
        PolicySignature signature;
        try {
            signature = PolicySignature.sign(bytes, priv, pub);
        } catch (java.security.GeneralSecurityException e) {
            throw new UserInputException("cannot sign with " + key + ": " + e.getMessage(), e);
        }
        Path sigFile = file.resolveSibling(file.getFileName() + ".sig");
        Files.writeString(sigFile, signature.toJson(bytes), StandardCharsets.UTF_8);
        spec.commandLine().getOut().printf("signed policy '%s' serial %d with key %s: %s%n", policy.name(), policy.serial(),
                signature.keyId().abbreviated(), sigFile);
        return ExitCode.OK;
    }
}
