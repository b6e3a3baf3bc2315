package org.attestedmigration.cli.policy;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.attestedmigration.cli.UserInputException;
import org.attestedmigration.policy.Policy;
import org.attestedmigration.policy.PolicyException;
import org.attestedmigration.policy.PolicyLoader;

/** Reading policy files for the CLI: a missing file or a policy with errors is the user's to fix (exit 2). */
final class PolicyFiles {
    private PolicyFiles() {
    }

    static Policy load(Path file) {
        try {
            return PolicyLoader.load(file);
        } catch (PolicyException e) {
            throw new UserInputException("the policy does not load:\n" + e.getMessage(), e);
        } catch (NoSuchFileException e) {
            throw new UserInputException("no such file: " + file);
        } catch (IOException e) {
            throw new UserInputException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
