package org.attestedmigration.policy;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import org.attestedmigration.attestation.TrustedAttestationKey;
import org.attestedmigration.attestation.ek.EkCertificateException;
import org.attestedmigration.attestation.ek.EkCertificateValidator;
import org.attestedmigration.attestation.ek.EkValidationResult;

/**
 * {@code ek.manufacturer}: why the AK is trusted must be something this policy trusts. An AK
 * activated against an EK certificate passes only if that certificate chains to one of the
 * policy's EK manufacturer CAs, re-validated here because the verifier may have trusted other
 * CAs; a pinned AK passes only if the peer's host entry pins exactly that AK.
 */
final class EkManufacturerRule implements PolicyRule {
    static final String ID = "ek.manufacturer";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<RuleResult> evaluate(RuleInput in) {
        TrustedAttestationKey.Basis basis = in.evidence().trustBasis();
        if (basis == TrustedAttestationKey.Basis.ACTIVATED) {
            return List.of(activated(in));
        }
        if (basis == TrustedAttestationKey.Basis.PINNED) {
            return List.of(pinned(in));
        }
        return List.of(RuleResult.fail(ID, "the AK is trusted on an unknown basis (" + basis + ")"));
    }

    private static RuleResult activated(RuleInput in) {
        Optional<X509Certificate> ek = in.evidence().ekCertificate();
        if (ek.isEmpty()) {
            return RuleResult.fail(ID, "the AK was activated but the evidence carries no EK certificate");
        }
        List<NamedCertificate> anchors = in.policy().ekManufacturers();
        String subject = ek.get().getSubjectX500Principal().getName();
        String issuer = ek.get().getIssuerX500Principal().getName();
        if (anchors.isEmpty()) {
            return RuleResult.fail(ID, "EK certificate issued by '" + issuer + "' cannot be trusted: policy '"
                    + in.policy().name() + "' lists no trustAnchors.ekManufacturers");
        }
        String trusted = RuleText.quoted(anchors.stream().map(NamedCertificate::name).toList());
        EkCertificateValidator validator;
        try {
            validator = in.policy().ekManufacturerValidator();
        } catch (IllegalArgumentException e) {
            return RuleResult.fail(ID, "the policy's EK manufacturers (" + trusted + "): " + e.getMessage());
        }
        try {
            EkValidationResult result = validator
                    .validate(ek.get(), List.of(), in.context().now());
            return RuleResult.pass(ID, "EK certificate '" + subject + "' chains to EK manufacturer "
                    + anchorName(anchors, result.trustAnchor()));
        } catch (EkCertificateException e) {
            return RuleResult.fail(ID, "EK certificate issued by '" + issuer + "' does not chain to a trusted EK manufacturer"
                    + " (trusted: " + trusted + "): " + e.getMessage());
        }
    }

    private static RuleResult pinned(RuleInput in) {
        if (in.peer().isEmpty()) {
            return RuleResult.fail(ID, "the AK " + in.akName().abbreviated() + " is pinned, but host '" + in.peerName()
                    + "' is not in the policy, so no pinned AK vouches for it");
        }
        HostEntry host = in.peer().get();
        if (host.akName().isEmpty()) {
            return RuleResult.fail(ID, "the AK " + in.akName().abbreviated() + " was pinned by the verifier, but host '"
                    + host.name() + "' pins no AK in the policy and no EK certificate was validated");
        }
        if (!host.akName().get().equals(in.akName())) {
            return RuleResult.fail(ID, "the pinned AK " + in.akName().abbreviated() + " is not the AK "
                    + host.akName().get().abbreviated() + " the policy pins for host '" + host.name() + "'");
        }
        return RuleResult.pass(ID, "AK " + in.akName().abbreviated() + " is pinned for host '" + host.name() + "'");
    }

    private static String anchorName(List<NamedCertificate> anchors, X509Certificate root) {
        return anchors.stream().filter(a -> a.certificate().equals(root)).map(a -> "'" + a.name() + "'").findFirst()
                .orElse("'" + root.getSubjectX500Principal().getName() + "'");
    }
}
