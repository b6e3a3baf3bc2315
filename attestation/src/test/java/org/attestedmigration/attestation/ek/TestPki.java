package org.attestedmigration.attestation.ek;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Builds test CAs and EK certificates with Bouncy Castle's certificate builder over plain JCA keys. */
final class TestPki {
    static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
    static final KeyPurposeId TCG_KP_EK_CERTIFICATE = KeyPurposeId.getInstance(new ASN1ObjectIdentifier("2.23.133.8.1"));
    private static final AtomicLong SERIAL = new AtomicLong(1000);

    private TestPki() {
    }

    /** A CA: its certificate and signing key. */
    record Ca(X509Certificate certificate, PrivateKey key) {
    }

    static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    static KeyPair ec(String curve) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec(curve));
        return g.generateKeyPair();
    }

    static Ca root(String cn) throws Exception {
        KeyPair kp = rsa();
        X500Name name = new X500Name("CN=" + cn);
        X509v3CertificateBuilder b = builder(name, name, kp.getPublic(), NOW.minus(Duration.ofDays(3650)),
                NOW.plus(Duration.ofDays(3650)));
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        b.addExtension(Extension.subjectKeyIdentifier, false,
                new JcaX509ExtensionUtils().createSubjectKeyIdentifier(kp.getPublic()));
        return new Ca(sign(b, kp.getPrivate()), kp.getPrivate());
    }

    static Ca intermediate(String cn, Ca issuer) throws Exception {
        return intermediate(cn, issuer, NOW.minus(Duration.ofDays(365)), NOW.plus(Duration.ofDays(3650)));
    }

    static Ca intermediate(String cn, Ca issuer, Instant notBefore, Instant notAfter) throws Exception {
        KeyPair kp = ec("secp384r1");
        X509v3CertificateBuilder b = builder(new X500Name(issuer.certificate().getSubjectX500Principal().getName()),
                new X500Name("CN=" + cn), kp.getPublic(), notBefore, notAfter);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        b.addExtension(Extension.authorityKeyIdentifier, false,
                new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(issuer.certificate()));
        return new Ca(sign(b, issuer.key()), kp.getPrivate());
    }

    /** Options for an EK leaf; the defaults follow the TCG EK Credential Profile. */
    record Leaf(PublicKey key, Instant notBefore, Instant notAfter, Integer keyUsage, boolean ca) {
        static Leaf profile(PublicKey key) {
            int ku = key.getAlgorithm().equals("RSA") ? KeyUsage.keyEncipherment : KeyUsage.keyAgreement;
            return new Leaf(key, NOW.minus(Duration.ofDays(30)), NOW.plus(Duration.ofDays(3650)), ku, false);
        }

        Leaf validity(Instant from, Instant to) {
            return new Leaf(key, from, to, keyUsage, ca);
        }

        Leaf keyUsage(Integer ku) {
            return new Leaf(key, notBefore, notAfter, ku, ca);
        }

        Leaf asCa() {
            return new Leaf(key, notBefore, notAfter, keyUsage, true);
        }
    }

    /**
     * An EK certificate in the profile's shape: empty subject, critical SAN directoryName with the
     * TPM manufacturer, model and version, EKU tcg-kp-EKCertificate, critical key usage.
     */
    static X509Certificate ek(Leaf leaf, Ca issuer) throws Exception {
        X509v3CertificateBuilder b = builder(new X500Name(issuer.certificate().getSubjectX500Principal().getName()),
                new X500Name(""), leaf.key(), leaf.notBefore(), leaf.notAfter());
        X500Name tpm = new X500NameBuilder()
                .addRDN(TpmIdentityAttributes.MANUFACTURER, new DERUTF8String("id:53544D20"))
                .addRDN(TpmIdentityAttributes.MODEL, new DERUTF8String("ST33HTPHAHD4"))
                .addRDN(TpmIdentityAttributes.VERSION, new DERUTF8String("id:00010102"))
                .build();
        b.addExtension(Extension.subjectAlternativeName, true,
                new GeneralNames(new GeneralName(GeneralName.directoryName, tpm)));
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(leaf.ca()));
        if (leaf.keyUsage() != null) {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(leaf.keyUsage()));
        }
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(TCG_KP_EK_CERTIFICATE));
        b.addExtension(Extension.authorityKeyIdentifier, false,
                new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(issuer.certificate()));
        return sign(b, issuer.key());
    }

    /** The attribute OIDs, spelled here independently of the production constants. */
    static final class TpmIdentityAttributes {
        static final ASN1ObjectIdentifier MANUFACTURER = new ASN1ObjectIdentifier("2.23.133.2.1");
        static final ASN1ObjectIdentifier MODEL = new ASN1ObjectIdentifier("2.23.133.2.2");
        static final ASN1ObjectIdentifier VERSION = new ASN1ObjectIdentifier("2.23.133.2.3");

        private TpmIdentityAttributes() {
        }
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, PublicKey key,
            Instant notBefore, Instant notAfter) {
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(notBefore), Date.from(notAfter), subject, key);
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws Exception {
        String alg = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA384withECDSA";
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(alg).build(key)));
    }
}
