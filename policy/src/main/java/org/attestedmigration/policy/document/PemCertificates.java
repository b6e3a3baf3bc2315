package org.attestedmigration.policy.document;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One X.509 certificate in PEM, as a policy holds a CA certificate, and back. */
public final class PemCertificates {
    private static final String BEGIN = "-----BEGIN CERTIFICATE-----";
    private static final String END = "-----END CERTIFICATE-----";
    private static final Pattern BLOCK = Pattern.compile("\\s*" + BEGIN + "([A-Za-z0-9+/=\\s]*)" + END + "\\s*");

    private PemCertificates() {
    }

    static Optional<X509Certificate> parse(Node node, String label, Problems problems) {
        Optional<String> text = Values.text(node, label, problems);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Matcher m = BLOCK.matcher(text.get());
        if (!m.matches()) {
            problems.add(node.position(), label + ": malformed PEM: expected exactly one " + BEGIN + " ... " + END + " block of base64");
            return Optional.empty();
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(1).replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            problems.add(node.position(), label + ": malformed PEM: the base64 between the BEGIN and END lines does not decode");
            return Optional.empty();
        }
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            return Optional.of((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
        } catch (CertificateException | RuntimeException e) {
            // The JDK's DER decoder may throw unchecked exceptions on hostile bytes; still a bad certificate.
            problems.add(node.position(), label + ": malformed certificate: the PEM block does not hold a DER X.509 certificate");
            return Optional.empty();
        }
    }

    /** PEM with 64-character base64 lines, ending in a newline. */
    public static String format(X509Certificate certificate) {
        try {
            String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(certificate.getEncoded());
            return BEGIN + "\n" + body + "\n" + END + "\n";
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate " + certificate.getSubjectX500Principal() + " cannot be encoded", e);
        }
    }
}
