package org.attestedmigration.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.attestation.TpmUri;
import org.attestedmigration.attestation.eventlog.EventLog;
import org.attestedmigration.attestation.txt.LaunchComponents;
import org.attestedmigration.attestation.txt.LaunchModule;
import org.attestedmigration.attestation.txt.MeasuredLaunch;
import org.attestedmigration.attestation.txt.MeasuredLaunchPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attested-migrate tpm txt-launch}: emulates an Intel TXT launch of tboot on a software TPM. */
@Command(name = "txt-launch", mixinStandardHelpOptions = true,
        description = {"Emulate an Intel TXT measured launch with tboot (legacy PCR mapping) on a software TPM:",
                "DRTM hash sequence over the SINIT ACM at locality 4 (resets PCR 17-22), SINIT measurements into PCR 17,",
                "the MLE (tboot) and module 0 (Xen) into PCR 18, further modules (dom0 kernel, initrd) into PCR 19,",
                "each module as H(H(cmdline) || H(image)). Writes the matching TCG crypto-agile event log."})
final class TxtLaunchCommand implements Callable<Integer> {
    @Option(names = "--tpm", required = true, converter = TpmUriConverter.class,
            description = "swtpm://HOST:PORT or mssim://HOST:PORT (a hardware TPM is launched by the CPU, not by us)")
    TpmUri tpmUri;

    @Option(names = "--sinit", required = true, description = "the SINIT ACM image")
    Path sinit;

    @Option(names = "--mle", required = true, description = "the MLE image (tboot)")
    Path mle;

    @Option(names = "--module", required = true, paramLabel = "FILE[:CMDLINE]",
            description = "a module in boot order: the first is the hypervisor (Xen), then dom0 kernel, initrd...")
    List<String> modules;

    @Option(names = "--event-log", required = true, paramLabel = "OUT", description = "where to write the event log")
    Path eventLogOut;

    @Option(names = "--banks", split = ",", defaultValue = "sha1,sha256",
            description = "PCR banks to extend and log (default: ${DEFAULT-VALUE})")
    List<String> banks;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<HashAlgorithm> bankList = new ArrayList<>();
        for (String b : banks) {
            bankList.add(HashAlgorithm.fromBankName(b).orElseThrow(() -> new UserInputException("unknown PCR bank '" + b + "'")));
        }
        checkWritable(eventLogOut);
        List<LaunchModule> launchModules = new ArrayList<>();
        for (String m : modules) {
            int colon = m.indexOf(':');
            String file = colon < 0 ? m : m.substring(0, colon);
            if (file.isBlank()) {
                throw new UserInputException("--module '" + m + "' names no file; use FILE[:CMDLINE]");
            }
            Path image = Path.of(file);
            String cmdline = colon < 0 ? "" : m.substring(colon + 1);
            launchModules.add(new LaunchModule(label(image), InputFiles.read(image), cmdline));
        }
        LaunchComponents components = new LaunchComponents(InputFiles.read(sinit), InputFiles.read(mle), launchModules);
        MeasuredLaunchPlan plan = MeasuredLaunchPlan.of(components, bankList);
        EventLog log;
        try (Tpm tpm = Tpm.open(tpmUri)) {
            log = MeasuredLaunch.perform(tpm, plan);
        }
        Files.write(eventLogOut, log.encode());
        spec.commandLine().getOut().printf("TXT launch emulated on %s: %d events written to %s%n", tpmUri, log.size(), eventLogOut);
        return ExitCode.OK;
    }

    /**
     * The launch changes PCRs that only a reboot resets, so the log must not be lost afterwards:
     * make sure it can be written before touching the TPM.
     */
    private static void checkWritable(Path out) {
        Path parent = out.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new UserInputException("cannot write the event log to " + out + ": directory " + parent + " does not exist");
        }
        if (!Files.isWritable(parent) || (Files.exists(out) && !Files.isWritable(out))) {
            throw new UserInputException("cannot write the event log to " + out + ": permission denied");
        }
    }

    /** A module's label for the event log: its file name, cut to the characters and length the log allows. */
    static String label(Path image) {
        String name = image.getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "_");
        return name.length() > 32 ? name.substring(0, 32) : name.isEmpty() ? "module" : name;
    }
}
