package org.attestedmigration.attestation;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import org.attestedmigration.attestation.tpm2.Attestation;
import org.attestedmigration.attestation.tpm2.PemPublicKey;
import org.attestedmigration.attestation.tpm2.PublicArea;
import org.attestedmigration.attestation.tpm2.Tpm2ToolsPcrFile;

/**
 * {@link Evidence} as a directory of files that tpm2-tools and openssl understand:
 * <ul>
 * <li>{@code quote.msg} TPMS_ATTEST, {@code quote.sig} TPMT_SIGNATURE, {@code quote.pcrs} the PCR
 *     values as {@code tpm2_quote -o} writes them;</li>
 * <li>{@code ak.pub} (TPM2B_PUBLIC) and {@code ak.pub.pem}; {@code ek.pub} (TPM2B_PUBLIC) and
 *     {@code ek.crt} (PEM), when known;</li>
 * <li>{@code eventlog.bin}: the TCG crypto-agile event log, when there is one.</li>
 * </ul>
 */
public final class EvidenceFiles {
    public static final String QUOTE_MESSAGE = "quote.msg";
    public static final String QUOTE_SIGNATURE = "quote.sig";
    public static final String QUOTE_PCRS = "quote.pcrs";
    public static final String AK_PUBLIC = "ak.pub";
    public static final String AK_PEM = "ak.pub.pem";
    public static final String EK_PUBLIC = "ek.pub";
    public static final String EK_CERTIFICATE = "ek.crt";
    public static final String EVENT_LOG = "eventlog.bin";

    private EvidenceFiles() {
    }

    /** Writes the evidence; the PCR file lists the PCRs in the quote's own selection order. */
    public static void write(Path dir, Evidence evidence) throws IOException, AttestationException {
        Files.createDirectories(dir);
        Attestation attestation = Attestation.parse(evidence.quote().message());
        Files.write(dir.resolve(QUOTE_MESSAGE), evidence.quote().message());
        Files.write(dir.resolve(QUOTE_SIGNATURE), evidence.quote().signature());
        Files.write(dir.resolve(QUOTE_PCRS), Tpm2ToolsPcrFile.write(attestation.quote().pcrSelect(), evidence.pcrValues()));
        PublicArea ak = PublicArea.parse(evidence.akPublicArea());
        Files.write(dir.resolve(AK_PUBLIC), ak.toTpm2b());
        Files.writeString(dir.resolve(AK_PEM), PemPublicKey.write(ak.toPublicKey()), StandardCharsets.US_ASCII);
        if (evidence.ekPublicArea().length > 0) {
            Files.write(dir.resolve(EK_PUBLIC), PublicArea.parse(evidence.ekPublicArea()).toTpm2b());
        }
        if (evidence.ekCertificate().isPresent()) {
            Files.writeString(dir.resolve(EK_CERTIFICATE), pem(evidence.ekCertificate().get()), StandardCharsets.US_ASCII);
        }
        if (evidence.eventLog().length > 0) {
            Files.write(dir.resolve(EVENT_LOG), evidence.eventLog());
        }
    }

    /**
     * Reads evidence written by {@link #write}; the quote, signature, PCR and AK files are
     * required, the EK and event log optional.
     *
     * @throws NoSuchFileException naming a required file that is missing
     * @throws MalformedStructureException naming the file that does not parse
     */
    public static Evidence read(Path dir) throws IOException, MalformedStructureException {
        byte[] message = Files.readAllBytes(dir.resolve(QUOTE_MESSAGE));
        byte[] signature = Files.readAllBytes(dir.resolve(QUOTE_SIGNATURE));
        PcrValues pcrs = inFile(QUOTE_PCRS, () -> Tpm2ToolsPcrFile.read(Files.readAllBytes(dir.resolve(QUOTE_PCRS))).values());
        byte[] ak = inFile(AK_PUBLIC, () -> PublicArea.parseTpm2b(Files.readAllBytes(dir.resolve(AK_PUBLIC))).bytes());
        Path ekPub = dir.resolve(EK_PUBLIC);
        byte[] ek = Files.exists(ekPub) ? inFile(EK_PUBLIC, () -> PublicArea.parseTpm2b(Files.readAllBytes(ekPub)).bytes()) : new byte[0];
        Path ekCrt = dir.resolve(EK_CERTIFICATE);
        X509Certificate cert = Files.exists(ekCrt) ? inFile(EK_CERTIFICATE, () -> certificate(Files.readAllBytes(ekCrt))) : null;
        Path log = dir.resolve(EVENT_LOG);
        byte[] eventLog = Files.exists(log) ? Files.readAllBytes(log) : new byte[0];
        return new Evidence(new Quote(message, signature), pcrs, ak, ek, cert, eventLog);
    }

    private interface FileReader<T> {
        T read() throws IOException, MalformedStructureException;
    }

    private static <T> T inFile(String name, FileReader<T> reader) throws IOException, MalformedStructureException {
        try {
            return reader.read();
        } catch (MalformedStructureException e) {
            throw new MalformedStructureException(name + ": " + e.getMessage(), e);
        }
    }

    /** Reads one X.509 certificate in PEM or DER. */
    public static X509Certificate certificate(byte[] pemOrDer) throws MalformedStructureException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pemOrDer));
        } catch (CertificateException | ClassCastException e) {
            throw new MalformedStructureException("not an X.509 certificate in PEM or DER: " + e.getMessage(), e);
        }
    }

    /** PEM text of a certificate. */
    public static String pem(X509Certificate cert) {
        try {
            return "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(cert.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (java.security.cert.CertificateEncodingException e) {
            // A certificate we parsed or received re-encodes; failure means a broken provider.
            throw new IllegalStateException(e);
        }
    }
}
