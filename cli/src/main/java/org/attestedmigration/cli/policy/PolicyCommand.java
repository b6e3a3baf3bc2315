package org.attestedmigration.cli.policy;

import picocli.CommandLine.Command;

/** {@code attested-migrate policy ...}: the administrator's trust policy. */
@Command(name = "policy", mixinStandardHelpOptions = true,
        description = "Write, check, sign, verify and explain the trust policy; enroll known-good hosts.",
        subcommands = {PolicyInitCommand.class, PolicyKeygenCommand.class, PolicyCheckCommand.class, PolicySignCommand.class,
                PolicyVerifyCommand.class, PolicyEvalCommand.class, PolicyEnrollCommand.class})
public final class PolicyCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
