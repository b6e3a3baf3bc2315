package org.attestedmigration.attestation;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.attestedmigration.attestation.credential.CredentialChallenge;
import org.attestedmigration.attestation.credential.CredentialMaker;
import org.attestedmigration.attestation.credential.EncryptedCredential;
import org.attestedmigration.attestation.credential.EndorsementKeyParameters;
import org.attestedmigration.attestation.ek.EkCertificateException;
import org.attestedmigration.attestation.ek.EkCertificateValidator;
import org.attestedmigration.attestation.tpm2.PublicArea;

/**
 * The verifier's half of proving that an attestation key lives in the TPM whose endorsement key a
 * manufacturer certified: validate the EK certificate, seal a fresh secret to the EK for the AK's
 * name (TPM2_MakeCredential, in pure Java), and accept the AK only if the prover's TPM gives the
 * secret back (TPM2_ActivateCredential, which the TPM performs only when both keys are its own).
 *
 * <pre>
 * var activation = AttestationKeyActivation.challenge(manufacturers, ekCert, ekPublic, akPublic, now);
 * byte[] answer = proverTpm.activateCredential(ak, ekType, activation.credential()...);
 * TrustedAttestationKey key = activation.verifyAnswer(answer);
 * </pre>
 */
public final class AttestationKeyActivation {
    private final CredentialChallenge challenge;
    private final PublicArea ak;
    private final X509Certificate ekCertificate;

    private AttestationKeyActivation(CredentialChallenge challenge, PublicArea ak, X509Certificate ekCertificate) {
        this.challenge = challenge;
        this.ak = ak;
        this.ekCertificate = ekCertificate;
    }

    /**
     * @param ekPublicArea the EK's TPMT_PUBLIC as the prover reports it; it must hold the certified key
     * @throws VerificationException {@link Check#EK_CERTIFICATE} for an EK certificate that does not
     *     chain to {@code manufacturers} or does not match the EK; {@link Check#AK_STRUCTURE} or
     *     {@link Check#AK_ATTRIBUTES} for an AK that is no AK
     */
    public static AttestationKeyActivation challenge(EkCertificateValidator manufacturers, X509Certificate ekCertificate,
            byte[] ekPublicArea, byte[] akPublicArea, Instant now) throws VerificationException {
        PublicArea ek;
        try {
            ek = PublicArea.parse(ekPublicArea);
            manufacturers.validate(ekCertificate, List.of(), now, ek.toPublicKey());
        } catch (EkCertificateException e) {
            throw new VerificationException(Check.EK_CERTIFICATE, e.getMessage(), e);
        } catch (MalformedStructureException e) {
            throw new VerificationException(Check.EK_CERTIFICATE, "the EK public area: " + e.getMessage(), e);
        }
        PublicArea ak;
        try {
            ak = PublicArea.parse(akPublicArea);
            ak.toPublicKey();
        } catch (MalformedStructureException e) {
            throw new VerificationException(Check.AK_STRUCTURE, e.getMessage(), e);
        }
        Verifier.checkAttestationKeyAttributes(ak);
        try {
            EndorsementKeyParameters parameters = new EndorsementKeyParameters(ek.toPublicKey(), ek.nameAlg(), ek.symmetric().keyBits());
            return new AttestationKeyActivation(new CredentialMaker().makeCredential(parameters, ak.name()), ak, ekCertificate);
        } catch (AttestationException | IllegalArgumentException e) {
            throw new VerificationException(Check.EK_CERTIFICATE, "cannot seal a credential to this EK: " + e.getMessage(), e);
        }
    }

    /** What the prover's TPM must activate: the credential blob and the seed sealed to its EK. */
    public EncryptedCredential credential() {
        return challenge.encryptedCredential();
    }

    /**
     * @return the AK, now trusted as living in the certified TPM
     * @throws VerificationException {@link Check#AK_ACTIVATION} when the answer is not the secret
     */
    public TrustedAttestationKey verifyAnswer(byte[] answer) throws VerificationException {
        if (!challenge.matches(answer)) {
            throw new VerificationException(Check.AK_ACTIVATION,
                    "the prover did not recover the credential: its AK and the certified EK are not in one TPM");
        }
        return TrustedAttestationKey.activated(ak, ekCertificate);
    }
}
