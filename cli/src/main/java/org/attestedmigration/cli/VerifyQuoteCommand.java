package org.attestedmigration.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.MalformedStructureException;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.PcrValues;
import org.attestedmigration.attestation.Quote;
import org.attestedmigration.attestation.QuoteVerifier;
import org.attestedmigration.attestation.VerificationException;
import org.attestedmigration.attestation.VerifiedQuote;
import org.attestedmigration.attestation.tpm2.PemPublicKey;
import org.attestedmigration.attestation.tpm2.Tpm2ToolsPcrFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attested-migrate tpm verify-quote}: the tpm2_checkquote equivalent, in pure Java. */
@Command(name = "verify-quote", mixinStandardHelpOptions = true,
        description = {"Verify a quote as tpm2_checkquote does: signature by the AK, extraData = nonce, PCR values = signed digest.",
                "Accepts what tpm2_quote -m/-s/-o writes. Exit 0 when it verifies, 1 naming the failed check otherwise."})
final class VerifyQuoteCommand implements Callable<Integer> {
    @Option(names = "--ak", required = true, paramLabel = "PEM", description = "the attestation key's public key (PEM)")
    Path akPem;

    @Option(names = "--msg", required = true, paramLabel = "FILE", description = "the quote (TPMS_ATTEST)")
    Path message;

    @Option(names = "--sig", required = true, paramLabel = "FILE", description = "the signature (TPMT_SIGNATURE)")
    Path signature;

    @Option(names = "--pcrs", required = true, paramLabel = "FILE", description = "the PCR values (tpm2_quote -o format)")
    Path pcrs;

    @Option(names = "--nonce", required = true, converter = HexConverter.class, paramLabel = "HEX", description = "the expected extraData")
    HexConverter.Bytes nonce;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PublicKey ak;
        try {
            ak = PemPublicKey.read(new String(InputFiles.read(akPem), StandardCharsets.US_ASCII));
        } catch (MalformedStructureException e) {
            throw new UserInputException(akPem + ": " + e.getMessage());
        }
        Quote quote = new Quote(InputFiles.read(message), InputFiles.read(signature));
        byte[] pcrFile = InputFiles.read(pcrs);
        try {
            PcrValues reported;
            try {
                reported = Tpm2ToolsPcrFile.read(pcrFile).values();
            } catch (MalformedStructureException e) {
                throw new VerificationException(org.attestedmigration.attestation.Check.PCR_VALUES, pcrs + ": " + e.getMessage(), e);
            }
            VerifiedQuote verified = QuoteVerifier.verify(ak, quote, reported, nonce.value());
            var out = spec.commandLine().getOut();
            out.println("OK: the quote verifies (signature, nonce, PCR digest)");
            for (PcrSelection s : verified.selections()) {
                for (int pcr : s.pcrs()) {
                    HashAlgorithm bank = s.bank();
                    out.printf("  %s:%d %s%n", bank.bankName(), pcr, HexFormat.of().formatHex(verified.pcrs().get(bank, pcr).orElseThrow()));
                }
            }
            return ExitCode.OK;
        } catch (VerificationException e) {
            throw new RejectedException(e.getMessage());
        }
    }
}
