package org.attestedmigration.cli;

import picocli.CommandLine.Command;

/** {@code attested-migrate tpm ...}: direct TPM operations, interoperable with tpm2-tools. */
@Command(name = "tpm",
        description = "TPM operations: read PCRs and the EK, emulate a TXT launch, quote and verify quotes.",
        mixinStandardHelpOptions = true,
        subcommands = {PcrsCommand.class, EkCommand.class, TxtLaunchCommand.class, QuoteCommand.class, VerifyQuoteCommand.class})
final class TpmCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
