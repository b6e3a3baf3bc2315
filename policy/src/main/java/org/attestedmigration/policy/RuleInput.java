package org.attestedmigration.policy;

import java.security.cert.X509Certificate;
import java.util.Optional;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.TrustedAttestationKey;
import org.attestedmigration.attestation.VerifiedEvidence;
import org.attestedmigration.attestation.ek.EkIdentity;

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

    static Optional<HexValue> subjectPublicKeyInfoSha256(X509Certificate certificate) {
        return EkIdentity.publicKeySha256(certificate).map(HexValue::new);
    }
}
