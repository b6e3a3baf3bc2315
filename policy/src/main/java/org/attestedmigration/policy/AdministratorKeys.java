package org.attestedmigration.policy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import org.attestedmigration.attestation.HashAlgorithm;

/**
 * Administrator signing keys as PEM files: Ed25519 (the default) or ECDSA P-256; the private key
 * in PKCS#8 ("PRIVATE KEY", written readable by its owner only), the public key as
 * SubjectPublicKeyInfo ("PUBLIC KEY"), which agents are configured with.
 */
public final class AdministratorKeys {
    private AdministratorKeys() {
    }

    public static KeyPair generate() throws GeneralSecurityException {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    /** Writes {@code base.key} (mode 600) and {@code base.pub}. */
    public static void write(KeyPair pair, Path privateKeyFile, Path publicKeyFile) throws IOException {
        Files.deleteIfExists(privateKeyFile);
        Files.createFile(privateKeyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(privateKeyFile, pem("PRIVATE KEY", pair.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
        Files.writeString(publicKeyFile, pem("PUBLIC KEY", pair.getPublic().getEncoded()), StandardCharsets.US_ASCII);
    }

    public static PrivateKey readPrivateKey(Path file) throws IOException, PolicySignatureException {
        byte[] der = derOf(file, "PRIVATE KEY");
        for (String alg : new String[] {"Ed25519", "EC"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException wrongType) {
                // try the next algorithm
            }
        }
        throw new PolicySignatureException(file + ": not an Ed25519 or EC private key");
    }

    public static PublicKey readPublicKey(Path file) throws IOException, PolicySignatureException {
        byte[] der = derOf(file, "PUBLIC KEY");
        for (String alg : new String[] {"Ed25519", "EC"}) {
            try {
                return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException wrongType) {
                // try the next algorithm
            }
        }
        throw new PolicySignatureException(file + ": not an Ed25519 or EC public key");
    }

    static String signatureAlgorithm(Key key) throws GeneralSecurityException {
        if (key instanceof ECKey) {
            return "SHA256withECDSA";
        }
        if ("Ed25519".equals(key.getAlgorithm()) || "EdDSA".equals(key.getAlgorithm())) {
            return "Ed25519";
        }
        throw new GeneralSecurityException("administrator keys are Ed25519 or ECDSA P-256, not " + key.getAlgorithm());
    }

    /** SHA-256 of the SubjectPublicKeyInfo: how signature files name their key. */
    public static HexValue keyId(PublicKey key) {
        return new HexValue(HashAlgorithm.SHA256.digest(key.getEncoded()));
    }

    private static byte[] derOf(Path file, String type) throws IOException, PolicySignatureException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        if (b < 0 || e < b) {
            throw new PolicySignatureException(file + ": expected a PEM block '" + begin + "'");
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
        } catch (IllegalArgumentException x) {
            throw new PolicySignatureException(file + ": the PEM body is not base64");
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
