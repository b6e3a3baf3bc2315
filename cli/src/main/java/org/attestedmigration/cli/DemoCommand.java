package org.attestedmigration.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code attested-migrate demo}: two emulated hosts attest each other. */
@Command(name = "demo", description = "Start two emulated hosts, each with its own software TPM and TXT launch, and let them attest each other.",
        mixinStandardHelpOptions = true)
final class DemoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UserInputException("the demo is being built");
    }
}
