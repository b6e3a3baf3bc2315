package org.attestedmigration.securechannel.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The key pair and self-signed certificate one TLS connection authenticates with: an ECDSA P-256
 * key made for this connection alone and forgotten with it. The certificate carries no identity;
 * the TPM quote binds its public key, and that binding is what the peer trusts.
 */
public final class EphemeralIdentity {
    /** Covers clock skew between hosts; the key never outlives its connection anyway. */
    private static final Duration BACKDATE = Duration.ofMinutes(5);
    private static final Duration VALIDITY = Duration.ofDays(1);

    private final PrivateKey privateKey;
    private final X509Certificate certificate;

    private EphemeralIdentity(PrivateKey privateKey, X509Certificate certificate) {
        this.privateKey = privateKey;
        this.certificate = certificate;
    }

    /** A fresh P-256 key pair and a certificate self-signed with it. */
    public static EphemeralIdentity generate(SecureRandom random) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), random);
            KeyPair pair = generator.generateKeyPair();
            Instant now = Instant.now();
            X500Name subject = new X500Name("CN=attested-migration ephemeral");
            BigInteger serial = new BigInteger(127, random).add(BigInteger.ONE);
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").setSecureRandom(random).build(pair.getPrivate());
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(subject, serial,
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(VALIDITY)), subject, pair.getPublic()).build(signer));
            return new EphemeralIdentity(pair.getPrivate(), certificate);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot create an ephemeral P-256 TLS identity: " + e.getMessage(), e);
        }
    }

    PrivateKey privateKey() {
        return privateKey;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** SHA-256 of the certificate's SubjectPublicKeyInfo (DER): what a quote binds. */
    public byte[] publicKeySha256() {
        return publicKeySha256(certificate);
    }

    /** SHA-256 of any certificate's SubjectPublicKeyInfo (DER). */
    public static byte[] publicKeySha256(X509Certificate certificate) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(certificate.getPublicKey().getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }

    @Override
    public String toString() {
        return "EphemeralIdentity[" + certificate.getSerialNumber().toString(16) + "]";
    }
}
