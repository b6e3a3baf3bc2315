package org.attestedmigration.attestation.tpm2;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.MalformedStructureException;

/**
 * A TPMT_SIGNATURE, as written by {@code tpm2_quote -s} in its default (tss) format. Only the
 * schemes a quote can carry are accepted; TPM_ALG_NULL and everything else is malformed.
 */
public sealed interface TpmSignature permits TpmSignature.Rsa, TpmSignature.Ecdsa {
    /** sizeof TPM2B_PUBLIC_KEY_RSA buffer (MAX_RSA_KEY_BYTES for 4096-bit keys). */
    int MAX_RSA_SIGNATURE = 512;
    /** Capacity of TPM2B_ECC_PARAMETER accepted here; P-521 needs 66. */
    int MAX_ECC_PARAMETER = 128;

    SignatureScheme scheme();

    HashAlgorithm hash();

    /** The TPMT_SIGNATURE encoding. */
    byte[] toBytes();

    /** Parses a complete TPMT_SIGNATURE, rejecting trailing bytes. */
    static TpmSignature parse(byte[] bytes) throws MalformedStructureException {
        TpmReader r = new TpmReader(bytes, "TPMT_SIGNATURE");
        TpmSignature s = parse(r, "");
        r.expectEnd();
        return s;
    }

    /** Reads a TPMT_SIGNATURE in place; {@code field} prefixes the field names in errors. */
    static TpmSignature parse(TpmReader r, String field) throws MalformedStructureException {
        String p = field.isEmpty() ? "" : field + ".";
        int at = r.offset();
        int alg = r.u16(p + "sigAlg");
        SignatureScheme scheme = SignatureScheme.fromTpmAlgId(alg)
                .orElseThrow(() -> r.malformed(p + "sigAlg", at, "unsupported signature algorithm 0x" + TpmAlg.hex(alg)));
        HashAlgorithm hash = TpmAlg.readHash(r, p + "signature.hash");
        if (scheme == SignatureScheme.ECDSA) {
            byte[] sr = r.tpm2b(p + "signature.signatureR", MAX_ECC_PARAMETER);
            byte[] ss = r.tpm2b(p + "signature.signatureS", MAX_ECC_PARAMETER);
            return new Ecdsa(hash, sr, ss);
        }
        return new Rsa(scheme, hash, r.tpm2b(p + "signature.sig", MAX_RSA_SIGNATURE));
    }

    /** TPMS_SIGNATURE_RSA under TPM_ALG_RSASSA or TPM_ALG_RSAPSS. */
    record Rsa(SignatureScheme scheme, HashAlgorithm hash, byte[] signature) implements TpmSignature {
        public Rsa {
            Objects.requireNonNull(hash, "hash");
            if (scheme != SignatureScheme.RSASSA && scheme != SignatureScheme.RSAPSS) {
                throw new IllegalArgumentException(scheme + " is not an RSA signature scheme");
            }
            signature = signature.clone();
        }

        @Override
        public byte[] signature() {
            return signature.clone();
        }

        @Override
        public byte[] toBytes() {
            return new TpmWriter().u16(scheme.tpmAlgId()).u16(hash.tpmAlgId()).tpm2b(signature).toByteArray();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Rsa x && scheme == x.scheme && hash == x.hash && Arrays.equals(signature, x.signature);
        }

        @Override
        public int hashCode() {
            return Objects.hash(scheme, hash) * 31 + Arrays.hashCode(signature);
        }

        @Override
        public String toString() {
            return "Rsa[" + scheme + ", " + hash + ", " + HexFormat.of().formatHex(signature) + "]";
        }
    }

    /** TPMS_SIGNATURE_ECDSA: r and s as unsigned big-endian integers. */
    record Ecdsa(HashAlgorithm hash, byte[] r, byte[] s) implements TpmSignature {
        public Ecdsa {
            Objects.requireNonNull(hash, "hash");
            r = r.clone();
            s = s.clone();
        }

        @Override
        public SignatureScheme scheme() {
            return SignatureScheme.ECDSA;
        }

        @Override
        public byte[] r() {
            return r.clone();
        }

        @Override
        public byte[] s() {
            return s.clone();
        }

        @Override
        public byte[] toBytes() {
            return new TpmWriter().u16(TpmAlg.ECDSA).u16(hash.tpmAlgId()).tpm2b(r).tpm2b(s).toByteArray();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Ecdsa x && hash == x.hash && Arrays.equals(r, x.r) && Arrays.equals(s, x.s);
        }

        @Override
        public int hashCode() {
            return (hash.hashCode() * 31 + Arrays.hashCode(r)) * 31 + Arrays.hashCode(s);
        }

        @Override
        public String toString() {
            HexFormat hex = HexFormat.of();
            return "Ecdsa[" + hash + ", r=" + hex.formatHex(r) + ", s=" + hex.formatHex(s) + "]";
        }
    }
}
