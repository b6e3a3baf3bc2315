package org.attestedmigration.attestation.tpm2;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import org.attestedmigration.attestation.MalformedStructureException;

/** "BEGIN PUBLIC KEY" PEM (SubjectPublicKeyInfo), the form tpm2_checkquote -u and openssl take. */
public final class PemPublicKey {
    private static final String BEGIN = "-----BEGIN PUBLIC KEY-----";
    private static final String END = "-----END PUBLIC KEY-----";
    private static final int LINE = 64;

    private PemPublicKey() {
    }

    /** PEM text with 64-character base64 lines and a trailing newline. */
    public static String write(PublicKey key) {
        String b64 = Base64.getEncoder().encodeToString(key.getEncoded());
        StringBuilder sb = new StringBuilder(BEGIN).append('\n');
        for (int i = 0; i < b64.length(); i += LINE) {
            sb.append(b64, i, Math.min(b64.length(), i + LINE)).append('\n');
        }
        return sb.append(END).append('\n').toString();
    }

    /** Reads an RSA or EC public key; anything else, or text that is not such a PEM, is malformed. */
    public static PublicKey read(String pem) throws MalformedStructureException {
        String text = pem.strip();
        if (!text.startsWith(BEGIN) || !text.endsWith(END)) {
            throw new MalformedStructureException("PEM public key: field header at byte offset 0: expected " + BEGIN + " ... " + END);
        }
        String body = text.substring(BEGIN.length(), text.length() - END.length()).replaceAll("\\s+", "");
        byte[] der;
        try {
            der = Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new MalformedStructureException("PEM public key: field body at byte offset " + BEGIN.length()
                    + ": not base64: " + e.getMessage(), e);
        }
        if (der.length == 0) {
            throw new MalformedStructureException("PEM public key: field body at byte offset " + BEGIN.length() + ": empty");
        }
        // The JCA key factories parse the DER themselves and report garbage with checked exceptions,
        // which a generic ASN.1 parser does not guarantee; so each supported algorithm is simply tried.
        String lastProblem = "";
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                lastProblem = e.getMessage();
            }
        }
        throw new MalformedStructureException("PEM public key: field SubjectPublicKeyInfo at byte offset 0: not an RSA or EC key: "
                + lastProblem);
    }

    /** {@link #read(String)} for the bytes of a file (ASCII). */
    public static PublicKey read(byte[] pemFile) throws MalformedStructureException {
        return read(new String(pemFile, StandardCharsets.US_ASCII));
    }
}
