package org.attestedmigration.policy;

import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Optional;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.TrustedAttestationKey;
import org.attestedmigration.attestation.VerifiedEvidence;

/**
 * What every rule looks at: the policy, the verified evidence, the context, and the facts derived
 * from them once (the peer's host entry, the AK's TPM name, the EK public key hash).
 *
 * @param peer              the host entry the peer claims to be, if the policy has one by that name
 * @param akName            the TPM name of the AK that signed the quote
 * @param ekPublicKeySha256 SHA-256 of the EK certificate's SubjectPublicKeyInfo; only for an AK
 *                          activated against that certificate, as only then is the EK proven
 */
record RuleInput(Policy policy, VerifiedEvidence evidence, EvaluationContext context, Optional<HostEntry> peer,
        HexValue akName, Optional<HexValue> ekPublicKeySha256) {

    static RuleInput of(Policy policy, VerifiedEvidence evidence, EvaluationContext context) {
        Optional<HexValue> ek = evidence.trustBasis() == TrustedAttestationKey.Basis.ACTIVATED
                ? evidence.ekCertificate().flatMap(RuleInput::subjectPublicKeyInfoSha256)
                : Optional.empty();
        return new RuleInput(policy, evidence, context, policy.host(context.peerHost()),
                new HexValue(evidence.attestationKey().name()), ek);
    }

    /** The policy's PCR bank: every digest comparison happens in it. */
    HashAlgorithm bank() {
        return policy.measurements().bank();
    }

    String peerName() {
        return context.peerHost();
    }

    /**
     * Hashes the SubjectPublicKeyInfo exactly as encoded in the certificate. Re-encoding the JCA
     * key ({@code getPublicKey().getEncoded()}) could differ from what an administrator hashed
     * with openssl from the same certificate (e.g. absent versus NULL algorithm parameters).
     */
    static Optional<HexValue> subjectPublicKeyInfoSha256(X509Certificate certificate) {
        try {
            return spki(certificate.getTBSCertificate()).map(b -> new HexValue(HashAlgorithm.SHA256.digest(b)));
        } catch (CertificateEncodingException e) {
            return Optional.empty();
        }
    }

    /** TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serial, signature, issuer, validity, subject, spki, ... } */
    private static Optional<byte[]> spki(byte[] tbs) {
        int[] outer = tlv(tbs, 0);
        if (outer == null || tbs[0] != 0x30) {
            return Optional.empty();
        }
        int at = outer[0];
        if ((tbs[at] & 0xff) == 0xa0) {
            int[] version = tlv(tbs, at);
            if (version == null) {
                return Optional.empty();
            }
            at = version[0] + version[1];
        }
        for (int skip = 0; skip < 5; skip++) { // serial, signature, issuer, validity, subject
            int[] field = tlv(tbs, at);
            if (field == null) {
                return Optional.empty();
            }
            at = field[0] + field[1];
        }
        int[] key = tlv(tbs, at);
        if (key == null || tbs[at] != 0x30) {
            return Optional.empty();
        }
        return Optional.of(Arrays.copyOfRange(tbs, at, key[0] + key[1]));
    }

    /** {content offset, content length} of the DER element at {@code at}, or null if it does not fit. */
    private static int[] tlv(byte[] der, int at) {
        if (at + 2 > der.length) {
            return null;
        }
        int first = der[at + 1] & 0xff;
        int offset = at + 2;
        long length;
        if (first < 0x80) {
            length = first;
        } else {
            int count = first & 0x7f;
            if (count == 0 || count > 4 || offset + count > der.length) {
                return null;
            }
            length = 0;
            for (int i = 0; i < count; i++) {
                length = (length << 8) | (der[offset++] & 0xff);
            }
        }
        if (offset + length > der.length) {
            return null;
        }
        return new int[] {offset, (int) length};
    }
}
