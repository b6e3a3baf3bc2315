package org.attestedmigration.attestation.credential;

import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Objects;
import org.attestedmigration.attestation.HashAlgorithm;

/**
 * What MakeCredential needs to know about the endorsement key: its public key and the parts of
 * its TPMT_PUBLIC that the TPM feeds into credential protection, its nameAlg and the key size of
 * its symmetric algorithm (always AES in CFB mode for storage keys such as EKs).
 *
 * <p>The certificate does not carry nameAlg or the symmetric key size, so a verifier either reads
 * them from the EK's TPMT_PUBLIC or assumes the TCG default template ({@link #tcgDefault}).
 */
public record EndorsementKeyParameters(PublicKey publicKey, HashAlgorithm nameAlg, int aesKeyBits) {

    public EndorsementKeyParameters {
        Objects.requireNonNull(publicKey, "publicKey");
        Objects.requireNonNull(nameAlg, "nameAlg");
        if (aesKeyBits != 128 && aesKeyBits != 256) {
            throw new IllegalArgumentException("EK symmetric key size must be AES-128 or AES-256, not " + aesKeyBits);
        }
        if (!(publicKey instanceof RSAPublicKey) && !(publicKey instanceof ECPublicKey)) {
            throw new IllegalArgumentException("EK public key must be RSA or EC, not " + publicKey.getAlgorithm());
        }
    }

    /**
     * The parameters of the TCG EK Credential Profile's default templates: RSA 2048 and NIST P-256
     * use SHA-256 and AES-128 (templates L-1 and L-2); P-384 uses SHA-384 and AES-256 (H-3),
     * which is also what swtpm provisions.
     *
     * @throws CredentialException for other key sizes and curves; their EKs come from templates
     *     this method does not guess (pass nameAlg and AES key size explicitly)
     */
    public static EndorsementKeyParameters tcgDefault(PublicKey publicKey) throws CredentialException {
        Objects.requireNonNull(publicKey, "publicKey");
        if (publicKey instanceof RSAPublicKey rsa) {
            if (rsa.getModulus().bitLength() == 2048) {
                return new EndorsementKeyParameters(publicKey, HashAlgorithm.SHA256, 128);
            }
            throw new CredentialException("no default EK template for RSA-" + rsa.getModulus().bitLength()
                    + "; give nameAlg and AES key size explicitly");
        }
        if (publicKey instanceof ECPublicKey ec) {
            if (NistCurves.isCurve(ec.getParams(), "secp256r1")) {
                return new EndorsementKeyParameters(publicKey, HashAlgorithm.SHA256, 128);
            }
            if (NistCurves.isCurve(ec.getParams(), "secp384r1")) {
                return new EndorsementKeyParameters(publicKey, HashAlgorithm.SHA384, 256);
            }
            throw new CredentialException("no default EK template for this curve ("
                    + ec.getParams().getCurve().getField().getFieldSize()
                    + " bits); give nameAlg and AES key size explicitly");
        }
        throw new CredentialException("EK public key must be RSA or EC, not " + publicKey.getAlgorithm());
    }
}
