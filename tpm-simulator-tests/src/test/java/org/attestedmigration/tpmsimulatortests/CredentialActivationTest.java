package org.attestedmigration.tpmsimulatortests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.attestedmigration.attestation.AttestationKey;
import org.attestedmigration.attestation.AttestationKeyActivation;
import org.attestedmigration.attestation.Check;
import org.attestedmigration.attestation.EndorsementKey;
import org.attestedmigration.attestation.EndorsementKeyType;
import org.attestedmigration.attestation.Evidence;
import org.attestedmigration.attestation.KeyAlgorithm;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.attestation.TpmAccessException;
import org.attestedmigration.attestation.TrustedAttestationKey;
import org.attestedmigration.attestation.VerificationException;
import org.attestedmigration.attestation.VerifiedEvidence;
import org.attestedmigration.attestation.Verifier;
import org.attestedmigration.attestation.credential.EncryptedCredential;
import org.attestedmigration.attestation.ek.EkCertificateValidator;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The AK is trusted because it lives in the TPM whose EK certificate chains to the manufacturer:
 * MakeCredential in Java, ActivateCredential in swtpm.
 */
class CredentialActivationTest extends TwoHosts {
    @ParameterizedTest
    @EnumSource(EndorsementKeyType.class)
    void akActivatedAgainstCertifiedEkVerifiesEvidence(EndorsementKeyType ekType) throws Exception {
        try (Tpm tpm = host.openTpm()) {
            AttestationKey ak = tpm.createAttestationKey(KeyAlgorithm.ECC_P256);
            EndorsementKey ek = tpm.endorsementKey(ekType);

            AttestationKeyActivation activation = AttestationKeyActivation.challenge(manufacturerOf(host),
                    ek.certificate().orElseThrow(), ek.publicArea(), ak.publicArea(), Instant.now());
            TrustedAttestationKey trusted = activation.verifyAnswer(activate(tpm, ak, ekType, activation.credential()));

            byte[] nonce = Hosts.nonce();
            Evidence evidence = tpm.attest(ak, nonce, Hosts.QUOTED, host.eventLog().encode());
            VerifiedEvidence verified = Verifier.trusting(trusted).verify(evidence, nonce);
            assertEquals(TrustedAttestationKey.Basis.ACTIVATED, verified.trustBasis());
            assertEquals(ek.certificate().get(), verified.ekCertificate().orElseThrow());
        }
    }

    @Test
    void akFromAnotherTpmFailsActivation() throws Exception {
        EndorsementKey ek;
        try (Tpm tpm = host.openTpm()) {
            ek = tpm.endorsementKey(EndorsementKeyType.RSA_2048);
        }
        try (Tpm other = otherHost.openTpm()) {
            // The other host claims the certified EK of the first host, with its own AK.
            AttestationKey foreignAk = other.createAttestationKey(KeyAlgorithm.ECC_P256);
            AttestationKeyActivation activation = AttestationKeyActivation.challenge(manufacturerOf(host),
                    ek.certificate().orElseThrow(), ek.publicArea(), foreignAk.publicArea(), Instant.now());
            // Its TPM cannot unseal a credential made for another TPM's EK...
            TpmAccessException refused = assertThrows(TpmAccessException.class,
                    () -> activate(other, foreignAk, EndorsementKeyType.RSA_2048, activation.credential()));
            assertTrue(refused.getMessage().contains("ActivateCredential"), refused.getMessage());
            // ...and a guessed answer does not pass.
            VerificationException x = assertThrows(VerificationException.class, () -> activation.verifyAnswer(new byte[32]));
            assertEquals(Check.AK_ACTIVATION, x.check());
        }
    }

    @Test
    void credentialForAnotherAkNameIsRefusedByTheTpm() throws Exception {
        try (Tpm tpm = host.openTpm()) {
            EndorsementKey ek = tpm.endorsementKey(EndorsementKeyType.RSA_2048);
            AttestationKey ecc = tpm.createAttestationKey(KeyAlgorithm.ECC_P256);
            AttestationKey rsa = tpm.createAttestationKey(KeyAlgorithm.RSA_2048);
            AttestationKeyActivation forRsa = AttestationKeyActivation.challenge(manufacturerOf(host),
                    ek.certificate().orElseThrow(), ek.publicArea(), rsa.publicArea(), Instant.now());
            TpmAccessException x = assertThrows(TpmAccessException.class,
                    () -> activate(tpm, ecc, EndorsementKeyType.RSA_2048, forRsa.credential()));
            assertTrue(x.getMessage().contains("INTEGRITY"), x.getMessage());
        }
    }

    @Test
    void ekCertificateFromUnknownCaIsRejected() throws Exception {
        try (Tpm tpm = host.openTpm()) {
            EndorsementKey ek = tpm.endorsementKey(EndorsementKeyType.RSA_2048);
            AttestationKey ak = tpm.createAttestationKey(KeyAlgorithm.ECC_P256);
            // Each emulated host has its own local CA: the other host's CA is not this EK's manufacturer.
            VerificationException x = assertThrows(VerificationException.class, () -> AttestationKeyActivation.challenge(
                    manufacturerOf(otherHost), ek.certificate().orElseThrow(), ek.publicArea(), ak.publicArea(), Instant.now()));
            assertEquals(Check.EK_CERTIFICATE, x.check());
        }
    }

    @Test
    void ekPublicAreaThatIsNotTheCertifiedKeyIsRejected() throws Exception {
        EndorsementKey otherEk;
        try (Tpm other = otherHost.openTpm()) {
            otherEk = other.endorsementKey(EndorsementKeyType.RSA_2048);
        }
        try (Tpm tpm = host.openTpm()) {
            EndorsementKey ek = tpm.endorsementKey(EndorsementKeyType.RSA_2048);
            AttestationKey ak = tpm.createAttestationKey(KeyAlgorithm.ECC_P256);
            VerificationException x = assertThrows(VerificationException.class, () -> AttestationKeyActivation.challenge(
                    manufacturerOf(host), ek.certificate().orElseThrow(), otherEk.publicArea(), ak.publicArea(), Instant.now()));
            assertEquals(Check.EK_CERTIFICATE, x.check());
        }
    }

    @Test
    void expiredEvaluationTimeIsRejected() throws Exception {
        try (Tpm tpm = host.openTpm()) {
            EndorsementKey ek = tpm.endorsementKey(EndorsementKeyType.RSA_2048);
            AttestationKey ak = tpm.createAttestationKey(KeyAlgorithm.ECC_P256);
            Instant afterExpiry = ek.certificate().get().getNotAfter().toInstant().plusSeconds(86400);
            VerificationException x = assertThrows(VerificationException.class, () -> AttestationKeyActivation.challenge(
                    manufacturerOf(host), ek.certificate().orElseThrow(), ek.publicArea(), ak.publicArea(), afterExpiry));
            assertEquals(Check.EK_CERTIFICATE, x.check());
        }
    }

    private static byte[] activate(Tpm tpm, AttestationKey ak, EndorsementKeyType ekType, EncryptedCredential credential) throws Exception {
        return tpm.activateCredential(ak, ekType, credential.credentialBlob(), credential.encryptedSecret());
    }

    private static EkCertificateValidator manufacturerOf(EmulatedHost h) throws Exception {
        List<X509Certificate> ca = h.manufacturerCertificates();
        return new EkCertificateValidator(List.of(ca.get(0)), List.of(ca.get(1)));
    }
}
