package org.attestedmigration.attestation;

import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.HexFormat;
import java.util.List;
import org.attestedmigration.attestation.tpm2.Attestation;
import org.attestedmigration.attestation.tpm2.PcrDigest;
import org.attestedmigration.attestation.tpm2.PublicArea;
import org.attestedmigration.attestation.tpm2.SignatureVerifier;
import org.attestedmigration.attestation.tpm2.TpmSignature;

/**
 * Checks one quote the way {@code tpm2_checkquote} does: the message is a TPM-generated quote,
 * the signature is the attestation key's, extraData is the expected value, and the reported PCR
 * values hash to the signed PCR digest. It says nothing about whether the AK or the PCR values
 * are trustworthy; {@link Verifier} adds that.
 */
public final class QuoteVerifier {
    private QuoteVerifier() {
    }

    /** Verifies with a bare public key, as when an operator hands over {@code ak.pub.pem}. */
    public static VerifiedQuote verify(PublicKey ak, Quote quote, PcrValues reported, byte[] expectedExtraData)
            throws VerificationException {
        return verify(quote, reported, expectedExtraData, (message, signature) -> SignatureVerifier.verify(ak, message, signature));
    }

    /** Verifies with the AK's public area, which also fixes the signing scheme the key may use. */
    public static VerifiedQuote verify(PublicArea ak, Quote quote, PcrValues reported, byte[] expectedExtraData)
            throws VerificationException {
        return verify(quote, reported, expectedExtraData, ak::verify);
    }

    private interface SignatureCheck {
        boolean verify(byte[] message, TpmSignature signature) throws AttestationException;
    }

    private static VerifiedQuote verify(Quote quote, PcrValues reported, byte[] expectedExtraData, SignatureCheck check)
            throws VerificationException {
        Attestation attestation;
        try {
            attestation = Attestation.parse(quote.message());
        } catch (MalformedStructureException e) {
            throw new VerificationException(Check.QUOTE_STRUCTURE, e.getMessage(), e);
        }
        TpmSignature signature;
        try {
            signature = TpmSignature.parse(quote.signature());
        } catch (MalformedStructureException e) {
            throw new VerificationException(Check.SIGNATURE_STRUCTURE, e.getMessage(), e);
        }
        boolean signed;
        try {
            signed = check.verify(quote.message(), signature);
        } catch (AttestationException e) {
            throw new VerificationException(Check.SIGNATURE, e.getMessage(), e);
        }
        if (!signed) {
            throw new VerificationException(Check.SIGNATURE, "the " + signature.scheme() + " signature over the quote does not verify with the attestation key");
        }
        if (!MessageDigest.isEqual(attestation.extraData(), expectedExtraData)) {
            HexFormat hex = HexFormat.of();
            throw new VerificationException(Check.NONCE, "quote extraData " + abbreviate(hex.formatHex(attestation.extraData()))
                    + " is not the expected " + abbreviate(hex.formatHex(expectedExtraData)) + " (replayed, relayed or stale quote)");
        }
        List<PcrSelection> selections = attestation.quote().pcrSelect();
        PcrValues.Builder quoted = PcrValues.builder();
        for (PcrSelection s : selections) {
            for (int pcr : s.pcrs()) {
                byte[] value = reported.get(s.bank(), pcr).orElseThrow(() -> new VerificationException(Check.PCR_VALUES,
                        "the quote covers " + s.bank().bankName() + ":" + pcr + " but no value was reported for it"));
                quoted.put(s.bank(), pcr, value);
            }
        }
        PcrValues quotedValues = quoted.build();
        byte[] digest;
        try {
            digest = PcrDigest.compute(signature.hash(), selections, quotedValues);
        } catch (AttestationException e) {
            throw new VerificationException(Check.PCR_VALUES, e.getMessage(), e);
        }
        if (!MessageDigest.isEqual(digest, attestation.quote().pcrDigest())) {
            throw new VerificationException(Check.PCR_VALUES, "the reported PCR values hash to "
                    + abbreviate(HexFormat.of().formatHex(digest)) + " but the quote signed "
                    + abbreviate(HexFormat.of().formatHex(attestation.quote().pcrDigest())) + ": a reported value was changed");
        }
        return new VerifiedQuote(attestation, selections, quotedValues);
    }

    static String abbreviate(String hex) {
        return hex.isEmpty() ? "(empty)" : hex.length() <= 16 ? hex : hex.substring(0, 12) + "…";
    }
}
