package org.attestedmigration.securechannel.handshake;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.attestedmigration.attestation.AttestationKeyActivation;
import org.attestedmigration.attestation.Check;
import org.attestedmigration.attestation.Evidence;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.PcrValues;
import org.attestedmigration.attestation.Quote;
import org.attestedmigration.attestation.TrustedAttestationKey;
import org.attestedmigration.attestation.VerificationException;
import org.attestedmigration.attestation.VerifiedEvidence;
import org.attestedmigration.attestation.Verifier;

/**
 * This host's verifier half, in pure Java: the peer's EK certificate against the policy's
 * manufacturers and the credential challenge for its AK, then its evidence against the AK that
 * answered the challenge.
 */
final class PeerVerifier {
    private final org.attestedmigration.attestation.ek.EkCertificateValidator manufacturers;
    private final List<PcrSelection> required;

    PeerVerifier(org.attestedmigration.attestation.ek.EkCertificateValidator manufacturers, List<PcrSelection> required) {
        this.manufacturers = manufacturers;
        this.required = List.copyOf(required);
    }

    AttestationKeyActivation challenge(HandshakeMessage.AttestationKeys peer, Instant now) throws VerificationException {
        return AttestationKeyActivation.challenge(manufacturers, certificate(peer), peer.ekPublic(), peer.akPublic(), now);
    }

    /**
     * @param expectedExtraData the binding of this side's nonce and the TLS key the peer presented
     *                          in this very session
     */
    VerifiedEvidence verify(TrustedAttestationKey key, HandshakeMessage.AttestationKeys peer, HandshakeMessage.EvidenceMessage evidence,
            byte[] expectedExtraData) throws VerificationException {
        Evidence e = new Evidence(new Quote(evidence.quote(), evidence.signature()), pcrValues(evidence), peer.akPublic(), peer.ekPublic(),
                certificate(peer), evidence.eventLog());
        return Verifier.trusting(key).requiring(required).verify(e, expectedExtraData);
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

    private static X509Certificate certificate(HandshakeMessage.AttestationKeys peer) throws VerificationException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(peer.ekCertificate()));
        } catch (CertificateException | ClassCastException e) {
            throw new VerificationException(Check.EK_CERTIFICATE, "the peer's EK certificate does not parse: " + e.getMessage(), e);
        }
    }
}
