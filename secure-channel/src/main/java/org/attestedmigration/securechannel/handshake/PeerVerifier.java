package org.attestedmigration.securechannel.handshake;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.attestedmigration.attestation.AttestationKeyActivation;
import org.attestedmigration.attestation.Check;
import org.attestedmigration.attestation.Evidence;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.MalformedStructureException;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.PcrValues;
import org.attestedmigration.attestation.Quote;
import org.attestedmigration.attestation.TrustedAttestationKey;
import org.attestedmigration.attestation.VerificationException;
import org.attestedmigration.attestation.VerifiedEvidence;
import org.attestedmigration.attestation.Verifier;
import org.attestedmigration.attestation.ek.EkCertificateValidator;
import org.attestedmigration.attestation.ek.EkIdentity;
import org.attestedmigration.attestation.tpm2.PublicArea;
import org.attestedmigration.policy.HexValue;
import org.attestedmigration.policy.HostEntry;
import org.attestedmigration.policy.Policy;
import org.attestedmigration.policy.RuleResult;
import org.attestedmigration.policy.Verdict;

/**
 * This host's verifier half, in pure Java: the screening of the peer's HELLO against the policy,
 * the decision how the peer's AK is trusted (pinned by the policy, activated earlier, or a
 * credential challenge now), and the peer's evidence against that AK.
 */
final class PeerVerifier {
    /** The verdict's line saying how the peer's AK was trusted in this handshake. */
    static final String AK_TRUST_RULE = "ak.activation";

    private final Policy policy;
    private final Optional<EkCertificateValidator> manufacturers;
    private final List<PcrSelection> required;
    private final ActivationCache activations;

    PeerVerifier(Policy policy, List<PcrSelection> required, ActivationCache activations) {
        this.policy = policy;
        this.manufacturers = validator(policy);
        this.required = List.copyOf(required);
        this.activations = activations;
    }

    /** A policy of pinned AKs alone may list no EK manufacturer: then no EK can be validated. */
    private static Optional<EkCertificateValidator> validator(Policy policy) {
        if (policy.ekManufacturers().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(policy.ekManufacturerValidator());
    }

    ActivationCache activations() {
        return activations;
    }

    /** The keys a peer's HELLO presents, parsed once. Nothing here is trusted yet. */
    record PeerKeys(byte[] akPublic, PublicArea ak, HexValue akName, Optional<HandshakeMessage.Endorsement> endorsement,
            Optional<X509Certificate> ekCertificate, Optional<HexValue> ekPublicKeySha256) {

        static PeerKeys of(HandshakeMessage.Hello hello) throws VerificationException {
            PublicArea ak;
            try {
                ak = PublicArea.parse(hello.akPublic());
            } catch (MalformedStructureException e) {
                throw new VerificationException(Check.AK_STRUCTURE, "the peer's AK: " + e.getMessage(), e);
            }
            Optional<HandshakeMessage.Endorsement> endorsement = hello.endorsement().stream().findFirst();
            Optional<X509Certificate> certificate = Optional.empty();
            Optional<HexValue> ekHash = Optional.empty();
            if (endorsement.isPresent()) {
                X509Certificate c = certificate(endorsement.get().ekCertificate());
                certificate = Optional.of(c);
                ekHash = EkIdentity.publicKeySha256(c).map(HexValue::new);
            }
            return new PeerKeys(hello.akPublic(), ak, new HexValue(ak.name()), endorsement, certificate, ekHash);
        }

        byte[] ekPublic() {
            return endorsement.map(HandshakeMessage.Endorsement::ekPublic).orElse(new byte[0]);
        }
    }

    /**
     * Before anything about this host goes to the peer beyond its HELLO: the peer must claim a
     * host of the policy that is not revoked, and present exactly the keys the policy identifies
     * that host by (its EK certificate's key and/or its pinned AK). These keys are not proven yet
     * (activation or the pinned AK's quote does that); the screening only keeps this host's
     * evidence (PCR values, event log) and TPM time from peers the policy does not name.
     *
     * @return a REJECT verdict naming the rule, or empty when the peer may receive our evidence
     */
    Optional<Verdict> screen(String peerHost, PeerKeys keys) {
        Optional<HostEntry> entry = policy.host(peerHost);
        if (entry.isEmpty()) {
            // Unlike the policy's own verdict, no list of known hosts: the peer has proven nothing yet.
            return Optional.of(Verdict.of(List.of(RuleResult.fail("host.identity", "host '" + peerHost + "' is not a host of policy '"
                    + policy.name() + "'"))));
        }
        HostEntry host = entry.get();
        if (policy.revoked().hosts().contains(host.name())) {
            return Optional.of(Verdict.of(List.of(RuleResult.fail("host.revoked", "host '" + host.name() + "' is revoked"))));
        }
        List<String> problems = new ArrayList<>();
        host.ekPublicKeySha256().ifPresent(expected -> {
            if (keys.ekPublicKeySha256().isEmpty()) {
                problems.add("host '" + host.name() + "' is identified by its EK, but sent no EK certificate");
            } else if (!keys.ekPublicKeySha256().get().equals(expected)) {
                problems.add("EK public key hash " + keys.ekPublicKeySha256().get().abbreviated() + " is not host '" + host.name()
                        + "''s " + expected.abbreviated() + " (another TPM)");
            }
        });
        host.akName().ifPresent(expected -> {
            if (!keys.akName().equals(expected)) {
                problems.add("AK name " + keys.akName().abbreviated() + " is not host '" + host.name() + "''s pinned AK " + expected.abbreviated());
            }
        });
        if (!problems.isEmpty()) {
            return Optional.of(Verdict.of(List.of(RuleResult.fail("host.identity", String.join("; ", problems)))));
        }
        for (HexValue revoked : policy.revoked().keys()) {
            if (revoked.equals(keys.akName()) || keys.ekPublicKeySha256().map(revoked::equals).orElse(false)) {
                return Optional.of(Verdict.of(List.of(RuleResult.fail("host.revoked", "key " + revoked.abbreviated() + " of host '"
                        + host.name() + "' is revoked"))));
            }
        }
        return Optional.empty();
    }

    /** How the peer's AK comes to be trusted: at once, or by answering a challenge. */
    sealed interface Plan {
    }

    /** Trusted without a challenge in this handshake; {@code detail} says why, for the verdict. */
    record Trusted(TrustedAttestationKey key, PeerAkTrust how, String detail) implements Plan {
    }

    /** The peer's TPM must answer this challenge first. */
    record Challenge(AttestationKeyActivation activation) implements Plan {
    }

    /**
     * After a passed {@link #screen}: a host the policy identifies by its pinned AK alone is
     * trusted by that pin (the quote still binds our nonce and its TLS key); a host identified by
     * its EK gets a credential challenge, unless the same AK of the same EK certificate was
     * activated within the cache's lifetime.
     */
    Plan plan(String peerHost, PeerKeys keys, Instant now) throws VerificationException {
        HostEntry host = policy.host(peerHost).orElseThrow(() -> new IllegalStateException("plan() before a passed screen()"));
        if (host.ekPublicKeySha256().isEmpty()) {
            // screen() checked that host.akName() is this AK's name.
            try {
                return new Trusted(TrustedAttestationKey.pinned(keys.akPublic()), PeerAkTrust.PINNED, "not needed: policy '" + policy.name()
                        + "' identifies host '" + peerHost + "' by its pinned AK " + keys.akName().abbreviated());
            } catch (MalformedStructureException e) {
                throw new VerificationException(Check.AK_STRUCTURE, e.getMessage(), e);
            }
        }
        X509Certificate certificate = keys.ekCertificate().orElseThrow(() -> new IllegalStateException("screen() requires the EK"));
        HexValue ek = keys.ekPublicKeySha256().orElseThrow();
        byte[] der = keys.endorsement().orElseThrow().ekCertificate();
        Optional<ActivationCache.Entry> earlier = activations.lookup(ek, der, keys.ak(), now);
        if (earlier.isPresent()) {
            Duration age = Duration.between(earlier.get().activatedAt(), now);
            return new Trusted(earlier.get().key(), PeerAkTrust.ACTIVATION_REUSED, "reused: AK " + keys.akName().abbreviated()
                    + " answered a credential challenge for EK " + ek.abbreviated() + " " + age.toMillis() + " ms ago (activation cache lifetime "
                    + activations.lifetime().toSeconds() + " s); this quote is fresh");
        }
        EkCertificateValidator validator = manufacturers.orElseThrow(() -> new VerificationException(Check.EK_CERTIFICATE, "policy '"
                + policy.name() + "' trusts no EK manufacturer, so host '" + peerHost + "''s EK certificate cannot be validated"));
        return new Challenge(AttestationKeyActivation.challenge(validator, certificate, keys.ekPublic(), keys.akPublic(), now));
    }

    /** The peer's answer to our challenge; on success the activation is remembered. */
    Trusted answered(Challenge challenge, PeerKeys keys, byte[] answer, Instant now) throws VerificationException {
        TrustedAttestationKey key = challenge.activation().verifyAnswer(answer);
        activations.remember(keys.ekPublicKeySha256().orElseThrow(), keys.endorsement().orElseThrow().ekCertificate(), key, now);
        return new Trusted(key, PeerAkTrust.ACTIVATED, "activated in this handshake: AK " + keys.akName().abbreviated()
                + " answered a credential challenge sealed to EK " + keys.ekPublicKeySha256().orElseThrow().abbreviated());
    }

    /** A peer that failed verification is activated again next time. */
    void forget(PeerKeys keys) {
        keys.ekPublicKeySha256().ifPresent(activations::forget);
    }

    /**
     * @param expectedExtraData the binding of this side's nonce and the TLS key the peer presented
     *                          in this very session
     */
    VerifiedEvidence verify(TrustedAttestationKey key, PeerKeys peer, HandshakeMessage.EvidenceMessage evidence, byte[] expectedExtraData)
            throws VerificationException {
        Evidence e = new Evidence(new Quote(evidence.quote(), evidence.signature()), pcrValues(evidence), peer.akPublic(), peer.ekPublic(),
                peer.ekCertificate().orElse(null), evidence.eventLog());
        return Verifier.trusting(key).requiring(required).verify(e, expectedExtraData);
    }

    /** The policy's verdict with a line saying how the AK was trusted. */
    static Verdict withAkTrust(Verdict verdict, Trusted trusted) {
        List<RuleResult> results = new ArrayList<>(verdict.results());
        results.add(RuleResult.pass(AK_TRUST_RULE, trusted.detail()));
        return new Verdict(verdict.decision(), results);
    }

    private static PcrValues pcrValues(HandshakeMessage.EvidenceMessage evidence) throws VerificationException {
        PcrValues.Builder values = PcrValues.builder();
        for (HandshakeMessage.Pcr pcr : evidence.pcrs()) {
            HashAlgorithm bank = HashAlgorithm.fromBankName(pcr.bank())
                    .orElseThrow(() -> new VerificationException(Check.PCR_VALUES, "unknown PCR bank '" + pcr.bank() + "'"));
            try {
                values.put(bank, pcr.index(), pcr.value());
            } catch (IllegalArgumentException e) {
                throw new VerificationException(Check.PCR_VALUES, e.getMessage(), e);
            }
        }
        return values.build();
    }

    private static X509Certificate certificate(byte[] der) throws VerificationException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | ClassCastException e) {
            throw new VerificationException(Check.EK_CERTIFICATE, "the peer's EK certificate does not parse: " + e.getMessage(), e);
        }
    }
}
