package org.attestedmigration.cli.demo;

import java.nio.file.Path;
import java.util.function.Consumer;
import org.attestedmigration.attestation.AttestationException;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.attestedmigration.attestation.txt.SampleLaunch;

/**
 * The demo until migration exists: boots a source and a destination host, each with its own
 * swtpm and emulated TXT launch, and runs the attestation both ways.
 */
public final class Demo {
    /** Which launch the destination performs. */
    public enum Scenario { TRUSTED, UNTRUSTED_DESTINATION }

    /** What the demo reports; serialised as the {@code --json} output. */
    public record Result(String result, boolean accepted, Attestations attestation, long totalMs) {
    }

    /** Both directions' outcomes. */
    public record Attestations(HostAttestation.Outcome source, HostAttestation.Outcome destination) {
    }

    static final String UNAPPROVED_XEN = "xen-4.18.0-unapproved";
    private final Path dir;
    private final Consumer<String> log;

    public Demo(Path dir, Consumer<String> log) {
        this.dir = dir;
        this.log = log;
    }

    public Result run(Scenario scenario) throws AttestationException {
        long start = System.nanoTime();
        SampleLaunch trusted = SampleLaunch.trusted();
        SampleLaunch destinationLaunch = scenario == Scenario.TRUSTED ? trusted : trusted.withHypervisor(UNAPPROVED_XEN);
        ReferenceLaunch reference = new ReferenceLaunch(trusted);
        try (EmulatedHost source = boot("source", trusted);
                EmulatedHost destination = boot("destination", destinationLaunch)) {
            // "attestation.source" is the verdict on the source, as the destination reached it, and vice versa.
            HostAttestation.Outcome onDestination = HostAttestation.run(source, destination, reference);
            report(onDestination);
            HostAttestation.Outcome onSource = HostAttestation.run(destination, source, reference);
            report(onSource);
            boolean accepted = onDestination.accepted() && onSource.accepted();
            long total = (System.nanoTime() - start) / 1_000_000;
            log.accept(accepted
                    ? "RESULT: ACCEPTED both ways: these hosts may exchange VMs (" + total + " ms)"
                    : "RESULT: REFUSED: no disk block or memory page would leave the source (" + total + " ms)");
            return new Result(accepted ? "attested" : "refused", accepted, new Attestations(onSource, onDestination), total);
        }
    }

    private EmulatedHost boot(String name, SampleLaunch launch) throws AttestationException {
        EmulatedHost host = EmulatedHost.boot(name, dir.resolve(name), launch.components());
        log.accept(String.format("[%-11s] swtpm at %s, EK certificate from its own local CA; TXT launch of %s, %s (%d events)",
                name, host.tpmUri(), launch.mle(), launch.hypervisor(), host.eventLog().size()));
        return host;
    }

    private void report(HostAttestation.Outcome o) {
        log.accept(String.format("%s verifies %s: %s — %s (%d ms)", o.verifier(), o.prover(), o.accepted() ? "ACCEPT" : "REJECT",
                o.reason(), o.milliseconds()));
        if (!o.pcr18().isEmpty()) {
            log.accept(String.format("    EK issuer %s, AK %s…, PCR17 %s… PCR18 %s… PCR19 %s…", o.ekIssuer(),
                    o.akName().substring(0, 16), o.pcr17().substring(0, 12), o.pcr18().substring(0, 12), o.pcr19().substring(0, 12)));
        }
    }

}
