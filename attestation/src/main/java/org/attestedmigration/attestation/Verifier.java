package org.attestedmigration.attestation;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.NoSuchElementException;
import org.attestedmigration.attestation.eventlog.EventLog;
import org.attestedmigration.attestation.tpm2.PublicArea;

/**
 * Verifies a host's {@link Evidence} in pure Java: every TPM structure strictly parsed, the AK
 * trusted and shaped like an AK, the quote signed and bound to the expected extraData, the PCR
 * values matching the signed digest, a completed DRTM launch in PCR 17, and the event log replaying
 * to the quoted values. The first failed check ends verification with a
 * {@link VerificationException} naming it; there is no partial success.
 *
 * <p>Immutable; the with-methods return new verifiers.
 */
public final class Verifier {
    /** PCR 17, 18 and 19 of a TXT launch with tboot (legacy mapping): SINIT + policy, MLE + Xen, dom0. */
    public static final PcrSelection TXT_PCRS = PcrSelection.of(HashAlgorithm.SHA256, 17, 18, 19);
    private static final int DRTM_PCR = 17;

    private final TrustedAttestationKey trustedKey;
    private final List<PcrSelection> required;

    private Verifier(TrustedAttestationKey trustedKey, List<PcrSelection> required) {
        this.trustedKey = trustedKey;
        this.required = List.copyOf(required);
    }

    /** A verifier that accepts quotes from this key only, requiring the TXT PCRs in the sha256 bank. */
    public static Verifier trusting(TrustedAttestationKey key) {
        return new Verifier(key, List.of(TXT_PCRS));
    }

    /** The same verifier requiring these PCRs instead; each must include PCR 17, the launch it vouches for. */
    public Verifier requiring(List<PcrSelection> selections) {
        if (selections.isEmpty() || selections.stream().anyMatch(s -> !s.pcrs().contains(DRTM_PCR))) {
            throw new IllegalArgumentException("every required PCR selection must include PCR 17 (the DRTM launch)");
        }
        return new Verifier(trustedKey, selections);
    }

    public List<PcrSelection> requiredPcrs() {
        return required;
    }

    /**
     * @param expectedExtraData what the quote's extraData must be: the binding of the verifier's
     *                          nonce (and the channel) that makes a replayed or relayed quote fail
     */
    public VerifiedEvidence verify(Evidence evidence, byte[] expectedExtraData) throws VerificationException {
        PublicArea ak = attestationKey(evidence.akPublicArea());
        VerifiedQuote quote = QuoteVerifier.verify(ak, evidence.quote(), evidence.pcrValues(), expectedExtraData);
        for (PcrSelection s : required) {
            if (!quote.pcrs().covers(s)) {
                throw new VerificationException(Check.PCR_SELECTION, "the quote covers " + quote.selections() + " but " + s + " is required");
            }
        }
        checkLaunch(quote.pcrs());
        EventLog log = replayMatches(evidence.eventLog(), quote);
        return new VerifiedEvidence(quote, log, trustedKey);
    }

    private PublicArea attestationKey(byte[] akPublicArea) throws VerificationException {
        PublicArea ak;
        try {
            ak = PublicArea.parse(akPublicArea);
            ak.toPublicKey();
        } catch (MalformedStructureException e) {
            throw new VerificationException(Check.AK_STRUCTURE, e.getMessage(), e);
        }
        checkAttestationKeyAttributes(ak);
        if (!ak.equals(trustedKey.publicArea())) {
            throw new VerificationException(Check.AK_TRUSTED, "the evidence is signed by AK " + hexName(ak)
                    + ", not by the trusted AK " + hexName(trustedKey.publicArea()) + " (" + trustedKey.basis().name().toLowerCase() + ")");
        }
        return ak;
    }

    /** An AK must be a restricted signing key generated in, and unable to leave, its TPM. */
    static void checkAttestationKeyAttributes(PublicArea ak) throws VerificationException {
        StringBuilder missing = new StringBuilder();
        if (!ak.fixedTpm()) {
            missing.append(" fixedTPM");
        }
        if (!ak.fixedParent()) {
            missing.append(" fixedParent");
        }
        if (!ak.sensitiveDataOrigin()) {
            missing.append(" sensitiveDataOrigin");
        }
        if (!ak.restricted()) {
            missing.append(" restricted");
        }
        if (!ak.sign()) {
            missing.append(" sign");
        }
        if (missing.length() > 0) {
            throw new VerificationException(Check.AK_ATTRIBUTES, "the attestation key lacks the attributes" + missing);
        }
        if (ak.decrypt()) {
            throw new VerificationException(Check.AK_ATTRIBUTES, "the attestation key is also a decryption key; an AK only signs");
        }
    }

    private void checkLaunch(PcrValues quoted) throws VerificationException {
        for (PcrSelection s : required) {
            byte[] pcr17 = quoted.get(s.bank(), DRTM_PCR).orElseThrow();
            if (allBytes(pcr17, (byte) 0xff)) {
                throw new VerificationException(Check.MEASURED_LAUNCH, s.bank().bankName()
                        + ":17 is all-FF: no dynamic launch happened since boot, or it failed");
            }
            if (allBytes(pcr17, (byte) 0)) {
                throw new VerificationException(Check.MEASURED_LAUNCH, s.bank().bankName()
                        + ":17 is zero: the DRTM sequence reset it but measured nothing");
            }
        }
    }

    /**
     * Every required PCR must replay from the log to its quoted value, and so must every other
     * quoted PCR the log extends; a log that hides or adds an event fails here.
     */
    private EventLog replayMatches(byte[] rawLog, VerifiedQuote quote) throws VerificationException {
        if (rawLog.length == 0) {
            throw new VerificationException(Check.EVENT_LOG_STRUCTURE, "the evidence has no event log");
        }
        EventLog log;
        try {
            log = EventLog.parse(rawLog);
        } catch (MalformedStructureException e) {
            throw new VerificationException(Check.EVENT_LOG_STRUCTURE, e.getMessage(), e);
        }
        for (PcrSelection quoted : quote.selections()) {
            if (!log.banks().contains(quoted.bank())) {
                if (required.stream().anyMatch(r -> r.bank() == quoted.bank())) {
                    throw new VerificationException(Check.EVENT_LOG_REPLAY, "the event log has no " + quoted.bank().bankName() + " digests");
                }
                continue;
            }
            PcrValues replayed;
            try {
                replayed = log.replay(quoted);
            } catch (RuntimeException e) {
                throw new VerificationException(Check.EVENT_LOG_STRUCTURE, "an event lacks its " + quoted.bank().bankName() + " digest", e);
            }
            for (int pcr : quoted.pcrs()) {
                boolean mustMatch = log.extendedPcrs().contains(pcr)
                        || required.stream().anyMatch(r -> r.bank() == quoted.bank() && r.pcrs().contains(pcr));
                byte[] expected = quote.pcrs().get(quoted.bank(), pcr).orElseThrow();
                byte[] actual = replayed.get(quoted.bank(), pcr).orElseThrow(NoSuchElementException::new);
                if (mustMatch && !MessageDigest.isEqual(expected, actual)) {
                    HexFormat hex = HexFormat.of();
                    throw new VerificationException(Check.EVENT_LOG_REPLAY, quoted.bank().bankName() + ":" + pcr + " replays to "
                            + QuoteVerifier.abbreviate(hex.formatHex(actual)) + " from the event log but the quote has "
                            + QuoteVerifier.abbreviate(hex.formatHex(expected)) + " (" + log.eventsFor(pcr).size() + " events)");
                }
            }
        }
        return log;
    }

    private static boolean allBytes(byte[] value, byte b) {
        byte[] same = new byte[value.length];
        Arrays.fill(same, b);
        return Arrays.equals(value, same);
    }

    private static String hexName(PublicArea ak) {
        return QuoteVerifier.abbreviate(HexFormat.of().formatHex(ak.name()));
    }
}
