package org.attestedmigration.cli;

import java.util.HexFormat;
import java.util.concurrent.Callable;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.PcrValues;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.attestation.TpmUri;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attested-migrate tpm pcrs --tpm URI [--pcrs sha256:17,18,19]}. */
@Command(name = "pcrs", description = "Print PCR values.", mixinStandardHelpOptions = true)
final class PcrsCommand implements Callable<Integer> {
    @Option(names = "--tpm", required = true, converter = TpmUriConverter.class,
            description = "swtpm://HOST:PORT, mssim://HOST:PORT or device:///dev/tpmrm0")
    TpmUri tpmUri;

    @Option(names = "--pcrs", converter = PcrSelectionConverter.class, defaultValue = "sha256:0,17,18,19",
            description = "bank and indices (default: ${DEFAULT-VALUE})")
    PcrSelection selection;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (Tpm tpm = Tpm.open(tpmUri)) {
            PcrValues values = tpm.readPcrs(selection);
            for (int i : values.indices(selection.bank())) {
                spec.commandLine().getOut().printf("%s:%d %s%n", selection.bank().bankName(), i,
                        HexFormat.of().formatHex(values.get(selection.bank(), i).orElseThrow()));
            }
        }
        return ExitCode.OK;
    }
}
