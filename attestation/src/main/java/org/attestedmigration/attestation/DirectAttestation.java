package org.attestedmigration.attestation;

import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.attestedmigration.attestation.ek.EkCertificateValidator;

/**
 * Attests a TPM this process reaches itself, playing both roles: the AK is activated against the
 * TPM's EK certificate (validated against {@code manufacturers}), quotes a fresh nonce, and the
 * evidence is verified. For enrollment of a known-good host, the demo and benchmarks; across a
 * network the same steps run split between two hosts.
 */
public final class DirectAttestation {
    private static final SecureRandom RANDOM = new SecureRandom();

    private DirectAttestation() {
    }

    public static VerifiedEvidence attest(Tpm tpm, EkCertificateValidator manufacturers, PcrSelection quoted, byte[] eventLog)
            throws AttestationException {
        AttestationKey ak = tpm.createAttestationKey(KeyAlgorithm.ECC_P256);
        EndorsementKey ek = tpm.endorsementKey(EndorsementKeyType.RSA_2048);
        X509Certificate ekCert = ek.certificate().orElseThrow(() ->
                new VerificationException(Check.EK_CERTIFICATE, "the TPM at " + tpm.uri() + " has no EK certificate"));
        AttestationKeyActivation activation = AttestationKeyActivation.challenge(manufacturers, ekCert, ek.publicArea(), ak.publicArea(),
                Instant.now());
        TrustedAttestationKey trusted = activation.verifyAnswer(tpm.activateCredential(ak, EndorsementKeyType.RSA_2048,
                activation.credential().credentialBlob(), activation.credential().encryptedSecret()));
        byte[] nonce = new byte[32];
        RANDOM.nextBytes(nonce);
        return Verifier.trusting(trusted).requiring(List.of(quoted)).verify(tpm.attest(ak, nonce, List.of(quoted), eventLog), nonce);
    }
}
