package org.attestedmigration.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.attestedmigration.attestation.AttestationKey;
import org.attestedmigration.attestation.Evidence;
import org.attestedmigration.attestation.EvidenceFiles;
import org.attestedmigration.attestation.KeyAlgorithm;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.attestation.TpmUri;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attested-migrate tpm quote}: a quote in the files tpm2_checkquote reads, plus the rest of the evidence. */
@Command(name = "quote", mixinStandardHelpOptions = true,
        description = {"Quote PCRs with the attestation key and write quote.msg, quote.sig, quote.pcrs (tpm2_quote -o format),",
                "ak.pub (TPM2B_PUBLIC), ak.pub.pem, ek.pub, ek.crt and, with --event-log, eventlog.bin to DIR.",
                "Check with: tpm2_checkquote -u ak.pub.pem -m quote.msg -s quote.sig -f quote.pcrs -g sha256 -q NONCE"})
final class QuoteCommand implements Callable<Integer> {
    @Option(names = "--tpm", required = true, converter = TpmUriConverter.class,
            description = "swtpm://HOST:PORT, mssim://HOST:PORT or device:///dev/tpmrm0")
    TpmUri tpmUri;

    @Option(names = "--nonce", required = true, converter = HexConverter.class, paramLabel = "HEX",
            description = "the verifier's nonce, placed in the quote's extraData (at most 64 bytes)")
    HexConverter.Bytes nonce;

    @Option(names = "--pcrs", converter = PcrSelectionConverter.class, defaultValue = "sha256:0,17,18,19",
            description = "bank and PCRs to quote (default: ${DEFAULT-VALUE})")
    PcrSelection selection;

    @Option(names = "--ak", defaultValue = "ecc", description = "attestation key type: ecc (P-256, ECDSA) or rsa (2048, RSASSA); default ${DEFAULT-VALUE}")
    String akAlgorithm;

    @Option(names = "--event-log", description = "event log to include in the evidence (from tpm txt-launch)")
    Path eventLog;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "directory for the files")
    Path out;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (nonce.value().length > 64) {
            throw new UserInputException("--nonce is " + nonce.value().length + " bytes; a quote's extraData holds at most 64");
        }
        if (nonce.value().length < 8) {
            throw new UserInputException("--nonce is " + nonce.value().length + " bytes; use at least 8 fresh random bytes, "
                    + "or the quote can be replayed");
        }
        KeyAlgorithm algorithm = KeyAlgorithm.fromCliName(akAlgorithm);
        byte[] log = eventLog == null ? new byte[0] : InputFiles.read(eventLog);
        Evidence evidence;
        try (Tpm tpm = Tpm.open(tpmUri)) {
            evidence = tpm.attest(tpm.createAttestationKey(algorithm), nonce.value(), List.of(selection), log);
        }
        EvidenceFiles.write(out, evidence);
        spec.commandLine().getOut().printf("quoted %s with the %s AK; evidence written to %s%n", selection, algorithm, out);
        return ExitCode.OK;
    }
}
