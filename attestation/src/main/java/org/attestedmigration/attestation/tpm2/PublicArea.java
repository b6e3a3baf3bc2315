package org.attestedmigration.attestation.tpm2;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.EllipticCurve;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.MalformedStructureException;

/**
 * A TPMT_PUBLIC of an RSA or ECC key. The exact marshalled bytes are kept: the object's name is
 * a hash over them, and re-marshalling a parsed structure is not guaranteed to reproduce them.
 */
public final class PublicArea {
    /** Capacity of TPM2B_PUBLIC_KEY_RSA (MAX_RSA_KEY_BYTES for 4096-bit keys). */
    static final int MAX_RSA_BYTES = 512;
    static final int MAX_ECC_PARAMETER = 128;
    private static final Set<Integer> RSA_KEY_BITS = Set.of(1024, 2048, 3072, 4096);
    private static final long DEFAULT_EXPONENT = 65537;

    /** RSA public parameters; {@code modulus} is empty in a creation template. */
    public record RsaDetails(int keyBits, long exponent, byte[] modulus) {
        public RsaDetails {
            modulus = modulus.clone();
        }

        @Override
        public byte[] modulus() {
            return modulus.clone();
        }

        /** The exponent with the TPM's "0 means 65537" convention applied. */
        public long effectiveExponent() {
            return exponent == 0 ? DEFAULT_EXPONENT : exponent;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof RsaDetails d && keyBits == d.keyBits && exponent == d.exponent && Arrays.equals(modulus, d.modulus);
        }

        @Override
        public int hashCode() {
            return (keyBits * 31 + Long.hashCode(exponent)) * 31 + Arrays.hashCode(modulus);
        }

        @Override
        public String toString() {
            return "RsaDetails[keyBits=" + keyBits + ", exponent=" + exponent + ", modulus=" + HexFormat.of().formatHex(modulus) + "]";
        }
    }

    /** ECC public parameters; {@code x} and {@code y} are empty in a creation template. */
    public record EccDetails(EccCurve curve, SchemeDefinition kdf, byte[] x, byte[] y) {
        public EccDetails {
            x = x.clone();
            y = y.clone();
        }

        @Override
        public byte[] x() {
            return x.clone();
        }

        @Override
        public byte[] y() {
            return y.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof EccDetails d && curve == d.curve && kdf.equals(d.kdf) && Arrays.equals(x, d.x) && Arrays.equals(y, d.y);
        }

        @Override
        public int hashCode() {
            return ((curve.hashCode() * 31 + kdf.hashCode()) * 31 + Arrays.hashCode(x)) * 31 + Arrays.hashCode(y);
        }

        @Override
        public String toString() {
            HexFormat hex = HexFormat.of();
            return "EccDetails[" + curve + ", kdf=" + kdf + ", x=" + hex.formatHex(x) + ", y=" + hex.formatHex(y) + "]";
        }
    }

    private final byte[] bytes;
    private final int type;
    private final HashAlgorithm nameAlg;
    private final long objectAttributes;
    private final byte[] authPolicy;
    private final SymmetricDefinition symmetric;
    private final SchemeDefinition scheme;
    private final RsaDetails rsa;
    private final EccDetails ecc;

    private PublicArea(byte[] bytes, int type, HashAlgorithm nameAlg, long objectAttributes, byte[] authPolicy,
            SymmetricDefinition symmetric, SchemeDefinition scheme, RsaDetails rsa, EccDetails ecc) {
        this.bytes = bytes;
        this.type = type;
        this.nameAlg = nameAlg;
        this.objectAttributes = objectAttributes;
        this.authPolicy = authPolicy;
        this.symmetric = symmetric;
        this.scheme = scheme;
        this.rsa = rsa;
        this.ecc = ecc;
    }

    /** Parses a complete TPMT_PUBLIC, rejecting trailing bytes. */
    public static PublicArea parse(byte[] tpmtPublic) throws MalformedStructureException {
        TpmReader r = new TpmReader(tpmtPublic, "TPMT_PUBLIC");
        PublicArea p = parse(r, "");
        r.expectEnd();
        return p;
    }

    /** Parses a TPM2B_PUBLIC (the u16-size-prefixed form tpm2-tools writes to .pub files). */
    public static PublicArea parseTpm2b(byte[] tpm2bPublic) throws MalformedStructureException {
        TpmReader r = new TpmReader(tpm2bPublic, "TPM2B_PUBLIC");
        int size = r.u16("size");
        if (size != r.remaining()) {
            throw r.malformed("size", 0, "size " + size + " does not match the " + r.remaining() + " byte(s) that follow");
        }
        PublicArea p = parse(r, "publicArea");
        r.expectEnd();
        return p;
    }

    /** Reads a TPMT_PUBLIC in place; {@code field} prefixes the field names in errors. */
    public static PublicArea parse(TpmReader r, String field) throws MalformedStructureException {
        String f = field.isEmpty() ? "" : field + ".";
        int start = r.offset();
        int type = r.u16(f + "type");
        if (type != TpmAlg.RSA && type != TpmAlg.ECC) {
            throw r.malformed(f + "type", start, "unsupported object type 0x" + TpmAlg.hex(type) + " (RSA or ECC expected)");
        }
        HashAlgorithm nameAlg = TpmAlg.readHash(r, f + "nameAlg");
        long attributes = r.u32(f + "objectAttributes");
        byte[] authPolicy = r.tpm2b(f + "authPolicy", QuoteInfo.MAX_DIGEST);
        SymmetricDefinition symmetric = SymmetricDefinition.parse(r, f + "parameters.symmetric");
        SchemeDefinition scheme;
        RsaDetails rsa = null;
        EccDetails ecc = null;
        if (type == TpmAlg.RSA) {
            scheme = SchemeDefinition.parse(r, f + "parameters.rsaDetail.scheme", SchemeDefinition.RSA_SCHEMES);
            int bitsAt = r.offset();
            int keyBits = r.u16(f + "parameters.rsaDetail.keyBits");
            if (!RSA_KEY_BITS.contains(keyBits)) {
                throw r.malformed(f + "parameters.rsaDetail.keyBits", bitsAt, "unsupported RSA key size " + keyBits);
            }
            long exponent = r.u32(f + "parameters.rsaDetail.exponent");
            int modAt = r.offset();
            byte[] modulus = r.tpm2b(f + "unique.rsa", MAX_RSA_BYTES);
            if (modulus.length != 0 && modulus.length != keyBits / 8) {
                throw r.malformed(f + "unique.rsa", modAt, "modulus of " + modulus.length + " bytes does not match keyBits " + keyBits);
            }
            rsa = new RsaDetails(keyBits, exponent, modulus);
        } else {
            scheme = SchemeDefinition.parse(r, f + "parameters.eccDetail.scheme", SchemeDefinition.ECC_SCHEMES);
            int curveAt = r.offset();
            int curveId = r.u16(f + "parameters.eccDetail.curveID");
            EccCurve curve = EccCurve.fromTpmCurveId(curveId).orElseThrow(() -> r.malformed(
                    f + "parameters.eccDetail.curveID", curveAt, "unsupported curve 0x" + TpmAlg.hex(curveId)));
            SchemeDefinition kdf = SchemeDefinition.parse(r, f + "parameters.eccDetail.kdf", SchemeDefinition.KDF_SCHEMES);
            byte[] x = coordinate(r, f + "unique.ecc.x", curve);
            byte[] y = coordinate(r, f + "unique.ecc.y", curve);
            ecc = new EccDetails(curve, kdf, x, y);
        }
        return new PublicArea(r.bytesSince(start), type, nameAlg, attributes, authPolicy, symmetric, scheme, rsa, ecc);
    }

    private static byte[] coordinate(TpmReader r, String field, EccCurve curve) throws MalformedStructureException {
        int at = r.offset();
        byte[] c = r.tpm2b(field, MAX_ECC_PARAMETER);
        if (c.length > curve.coordinateBytes()) {
            throw r.malformed(field, at, c.length + " bytes is too long for " + curve);
        }
        return c;
    }

    /** The exact marshalled TPMT_PUBLIC. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The TPM2B_PUBLIC encoding of {@link #bytes()}. */
    public byte[] toTpm2b() {
        return new TpmWriter().tpm2b(bytes).toByteArray();
    }

    /** TPM_ALG_RSA or TPM_ALG_ECC. */
    public int type() {
        return type;
    }

    public boolean isRsa() {
        return type == TpmAlg.RSA;
    }

    public boolean isEcc() {
        return type == TpmAlg.ECC;
    }

    public HashAlgorithm nameAlg() {
        return nameAlg;
    }

    /** TPMA_OBJECT as an unsigned 32-bit value. */
    public long objectAttributes() {
        return objectAttributes;
    }

    private boolean bit(int n) {
        return (objectAttributes & (1L << n)) != 0;
    }

    public boolean fixedTpm() {
        return bit(1);
    }

    public boolean fixedParent() {
        return bit(4);
    }

    public boolean sensitiveDataOrigin() {
        return bit(5);
    }

    public boolean userWithAuth() {
        return bit(6);
    }

    public boolean adminWithPolicy() {
        return bit(7);
    }

    public boolean restricted() {
        return bit(16);
    }

    public boolean decrypt() {
        return bit(17);
    }

    public boolean sign() {
        return bit(18);
    }

    public byte[] authPolicy() {
        return authPolicy.clone();
    }

    /** The symmetric definition; for an EK this is what credential activation encrypts with. */
    public SymmetricDefinition symmetric() {
        return symmetric;
    }

    /** TPMT_RSA_SCHEME or TPMT_ECC_SCHEME, possibly TPM_ALG_NULL. */
    public SchemeDefinition scheme() {
        return scheme;
    }

    /** The signing scheme fixed by the key, if it fixes one a quote verifier handles. */
    public Optional<SignatureScheme> signingScheme() {
        return scheme.signatureScheme();
    }

    /** The hash of the signing scheme fixed by the key; a restricted AK's quotes use it for pcrDigest too. */
    public Optional<HashAlgorithm> signingHash() {
        return scheme.signatureScheme().isPresent() ? scheme.hash() : Optional.empty();
    }

    public Optional<RsaDetails> rsa() {
        return Optional.ofNullable(rsa);
    }

    public Optional<EccDetails> ecc() {
        return Optional.ofNullable(ecc);
    }

    /** The TPM name: nameAlg (u16 big-endian) followed by H_nameAlg(TPMT_PUBLIC). */
    public byte[] name() {
        return new TpmWriter().u16(nameAlg.tpmAlgId()).bytes(nameAlg.digest(bytes)).toByteArray();
    }

    /**
     * The key as an {@link java.security.interfaces.RSAPublicKey} or
     * {@link java.security.interfaces.ECPublicKey}.
     *
     * @throws MalformedStructureException if unique is empty (a template) or the EC point is not on the curve
     */
    public PublicKey toPublicKey() throws MalformedStructureException {
        try {
            if (rsa != null) {
                if (rsa.modulus.length == 0) {
                    throw new MalformedStructureException("TPMT_PUBLIC: field unique.rsa: empty modulus, this is a template, not a key");
                }
                BigInteger n = new BigInteger(1, rsa.modulus);
                return KeyFactory.getInstance("RSA").generatePublic(
                        new RSAPublicKeySpec(n, BigInteger.valueOf(rsa.effectiveExponent())));
            }
            ECParameterSpec params = ecc.curve.parameterSpec();
            BigInteger x = new BigInteger(1, ecc.x);
            BigInteger y = new BigInteger(1, ecc.y);
            if (!onCurve(params.getCurve(), x, y)) {
                throw new MalformedStructureException("TPMT_PUBLIC: field unique.ecc: point is not on " + ecc.curve);
            }
            return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), params));
        } catch (GeneralSecurityException e) {
            throw new MalformedStructureException("TPMT_PUBLIC: field unique: not a usable public key: " + e.getMessage(), e);
        }
    }

    /** Whether (x, y) satisfies y^2 = x^3 + ax + b over the curve's prime field; JCA does not check this. */
    private static boolean onCurve(EllipticCurve curve, BigInteger x, BigInteger y) {
        BigInteger p = ((ECFieldFp) curve.getField()).getP();
        if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
            return false;
        }
        BigInteger left = y.multiply(y).mod(p);
        BigInteger right = x.pow(3).add(curve.getA().multiply(x)).add(curve.getB()).mod(p);
        return left.equals(right);
    }

    /**
     * Verifies a signature made by this key over {@code message}. A signature whose scheme or hash
     * differs from the scheme the key fixes cannot have come from the key, so it does not verify.
     *
     * @throws SignatureKeyMismatchException if the signature is for another key type
     * @throws MalformedStructureException if this public area holds no usable key
     */
    public boolean verify(byte[] message, TpmSignature signature)
            throws SignatureKeyMismatchException, MalformedStructureException {
        if (signature.scheme().keyType() != type) {
            throw new SignatureKeyMismatchException(signature.scheme() + " signature cannot be checked with a "
                    + (isRsa() ? "RSA" : "ECC") + " key");
        }
        if (!scheme.isNull() && (scheme.algorithm() != signature.scheme().tpmAlgId()
                || !scheme.hash().equals(Optional.of(signature.hash())))) {
            return false;
        }
        return SignatureVerifier.verify(toPublicKey(), message, signature);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PublicArea p && Arrays.equals(bytes, p.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "PublicArea[type=0x" + TpmAlg.hex(type) + ", nameAlg=" + nameAlg + ", attributes=0x"
                + Long.toHexString(objectAttributes) + ", symmetric=" + symmetric + ", scheme=" + scheme
                + ", " + (rsa != null ? rsa : ecc) + "]";
    }
}
