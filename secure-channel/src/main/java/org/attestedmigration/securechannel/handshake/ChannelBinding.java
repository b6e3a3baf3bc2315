package org.attestedmigration.securechannel.handshake;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * The quote's extraData: SHA-256("attested-migration channel v1" || verifier's nonce ||
 * SHA-256(prover's TLS SubjectPublicKeyInfo) || tls-exporter value when both ends have one).
 * The nonce makes a replayed quote fail; the TLS key makes a quote relayed from another
 * connection fail, because the verifier hashes the certificate it saw in its own session.
 */
public final class ChannelBinding {
    static final byte[] LABEL = "attested-migration channel v1".getBytes(StandardCharsets.US_ASCII);
    public static final int NONCE_LENGTH = 32;

    private ChannelBinding() {
    }

    /**
     * @param verifierNonce          the nonce of the side that will verify the quote
     * @param proverPublicKeySha256  SHA-256 of the quoting side's TLS certificate's SubjectPublicKeyInfo
     * @param exporter               the RFC 9266 exporter value, only when both ends have it
     */
    public static byte[] extraData(byte[] verifierNonce, byte[] proverPublicKeySha256, Optional<byte[]> exporter) {
        if (verifierNonce.length != NONCE_LENGTH) {
            throw new IllegalArgumentException("a nonce is " + NONCE_LENGTH + " bytes, not " + verifierNonce.length);
        }
        if (proverPublicKeySha256.length != 32) {
            throw new IllegalArgumentException("the TLS key hash is a SHA-256, 32 bytes");
        }
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(LABEL);
            sha256.update(verifierNonce);
            sha256.update(proverPublicKeySha256);
            exporter.ifPresent(sha256::update);
            return sha256.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }
}
