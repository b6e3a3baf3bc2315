package org.attestedmigration.cli;

import java.io.PrintWriter;
import java.util.Base64;
import java.util.concurrent.Callable;
import org.attestedmigration.attestation.EndorsementKey;
import org.attestedmigration.attestation.EndorsementKeyType;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.attestation.TpmUri;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attested-migrate tpm ek --tpm URI}: prints the EK certificate as PEM. */
@Command(name = "ek", description = "Print the endorsement key certificate (PEM) provisioned in the TPM.", mixinStandardHelpOptions = true)
final class EkCommand implements Callable<Integer> {
    @Option(names = "--tpm", required = true, converter = TpmUriConverter.class,
            description = "swtpm://HOST:PORT, mssim://HOST:PORT or device:///dev/tpmrm0")
    TpmUri tpmUri;

    @Option(names = "--type", defaultValue = "RSA_2048", description = "RSA_2048 or ECC_P384 (default: ${DEFAULT-VALUE})")
    EndorsementKeyType type;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (Tpm tpm = Tpm.open(tpmUri)) {
            EndorsementKey ek = tpm.endorsementKey(type);
            if (ek.certificate().isEmpty()) {
                throw new UserInputException("the TPM at " + tpmUri + " has no " + type + " EK certificate in NV 0x"
                        + Integer.toHexString(type.certificateNvIndex()));
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("-----BEGIN CERTIFICATE-----");
            out.println(Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(ek.certificate().get().getEncoded()));
            out.println("-----END CERTIFICATE-----");
        }
        return ExitCode.OK;
    }
}
