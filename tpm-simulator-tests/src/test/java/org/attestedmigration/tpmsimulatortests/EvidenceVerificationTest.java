package org.attestedmigration.tpmsimulatortests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.attestedmigration.attestation.Check;
import org.attestedmigration.attestation.Evidence;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.KeyAlgorithm;
import org.attestedmigration.attestation.PcrValues;
import org.attestedmigration.attestation.Quote;
import org.attestedmigration.attestation.TrustedAttestationKey;
import org.attestedmigration.attestation.VerificationException;
import org.attestedmigration.attestation.VerifiedEvidence;
import org.attestedmigration.attestation.Verifier;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.attestedmigration.attestation.swtpm.SoftwareTpm;
import org.attestedmigration.attestation.txt.SampleLaunch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Evidence from a real swtpm after an emulated TXT launch, verified in pure Java, and every way it is rejected. */
class EvidenceVerificationTest extends TwoHosts {
    @ParameterizedTest
    @EnumSource(KeyAlgorithm.class)
    void quoteAfterTxtLaunchVerifies(KeyAlgorithm algorithm) throws Exception {
        byte[] nonce = Hosts.nonce();
        Hosts.Attested a = Hosts.attest(host, algorithm, nonce);

        VerifiedEvidence verified = verifier(a).verify(a.evidence(), nonce);

        PcrValues replayed = host.eventLog().replayAll();
        for (HashAlgorithm bank : new HashAlgorithm[] {HashAlgorithm.SHA256, HashAlgorithm.SHA1}) {
            for (int pcr = 17; pcr <= 19; pcr++) {
                assertArrayEquals(replayed.get(bank, pcr).orElseThrow(), verified.pcrs().get(bank, pcr).orElseThrow(),
                        bank.bankName() + ":" + pcr);
            }
        }
        assertEquals(TrustedAttestationKey.Basis.PINNED, verified.trustBasis());
        assertEquals(10, verified.eventLog().size());
    }

    @Test
    void theSameAkIsDerivedEachTime() throws Exception {
        Hosts.Attested first = Hosts.attest(host, KeyAlgorithm.ECC_P256, Hosts.nonce());
        Hosts.Attested second = Hosts.attest(host, KeyAlgorithm.ECC_P256, Hosts.nonce());
        assertArrayEquals(first.akPublicArea(), second.akPublicArea());
    }

    @Test
    void wrongNonceIsRejected() throws Exception {
        Hosts.Attested a = Hosts.attest(host, KeyAlgorithm.ECC_P256, Hosts.nonce());
        assertRejected(Check.NONCE, a, a.evidence(), Hosts.nonce());
    }

    @Test
    void tamperedQuoteMessageIsRejected() throws Exception {
        byte[] nonce = Hosts.nonce();
        Hosts.Attested a = Hosts.attest(host, KeyAlgorithm.ECC_P256, nonce);
        byte[] message = a.evidence().quote().message();
        message[message.length - 1] ^= 1; // last byte of the signed PCR digest
        assertRejected(Check.SIGNATURE, a, withQuote(a.evidence(), new Quote(message, a.evidence().quote().signature())), nonce);
    }

    @Test
    void tamperedSignatureIsRejected() throws Exception {
        byte[] nonce = Hosts.nonce();
        Hosts.Attested a = Hosts.attest(host, KeyAlgorithm.RSA_2048, nonce);
        byte[] signature = a.evidence().quote().signature();
        signature[signature.length - 1] ^= 1;
        assertRejected(Check.SIGNATURE, a, withQuote(a.evidence(), new Quote(a.evidence().quote().message(), signature)), nonce);
    }

    @Test
    void tamperedPcrValueIsRejected() throws Exception {
        byte[] nonce = Hosts.nonce();
        Hosts.Attested a = Hosts.attest(host, KeyAlgorithm.ECC_P256, nonce);
        PcrValues.Builder b = PcrValues.builder();
        PcrValues original = a.evidence().pcrValues();
        for (HashAlgorithm bank : original.banks()) {
            for (int pcr : original.indices(bank)) {
                byte[] v = original.get(bank, pcr).orElseThrow();
                if (bank == HashAlgorithm.SHA256 && pcr == 18) {
                    v = HashAlgorithm.SHA256.digest("another hypervisor".getBytes());
                }
                b.put(bank, pcr, v);
            }
        }
        Evidence e = a.evidence();
        Evidence tampered = new Evidence(e.quote(), b.build(), e.akPublicArea(), e.ekPublicArea(), e.ekCertificate().orElse(null), e.eventLog());
        assertRejected(Check.PCR_VALUES, a, tampered, nonce);
    }

    @Test
    void pcr17AllFfWithoutLaunchIsRejected() throws Exception {
        try (SoftwareTpm unlaunched = SoftwareTpm.start(dir.resolve("unlaunched"));
                var tpm = org.attestedmigration.attestation.Tpm.open(unlaunched.uri())) {
            byte[] nonce = Hosts.nonce();
            var ak = tpm.createAttestationKey(KeyAlgorithm.ECC_P256);
            Evidence e = tpm.attest(ak, nonce, Hosts.QUOTED, host.eventLog().encode());
            VerificationException x = assertThrows(VerificationException.class,
                    () -> Verifier.trusting(TrustedAttestationKey.pinned(ak.publicArea())).verify(e, nonce));
            assertEquals(Check.MEASURED_LAUNCH, x.check());
            assertTrue(x.reason().contains("all-FF"), x.reason());
        }
    }

    @Test
    void eventLogOfAnotherLaunchIsRejected() throws Exception {
        byte[] nonce = Hosts.nonce();
        Hosts.Attested a = Hosts.attest(host, KeyAlgorithm.ECC_P256, nonce);
        byte[] otherLog = org.attestedmigration.attestation.txt.MeasuredLaunchPlan.of(
                SampleLaunch.trusted().withHypervisor("xen-4.18.0").components()).eventLog().encode();
        Evidence e = a.evidence();
        Evidence lying = new Evidence(e.quote(), e.pcrValues(), e.akPublicArea(), e.ekPublicArea(), e.ekCertificate().orElse(null), otherLog);
        VerificationException x = assertRejected(Check.EVENT_LOG_REPLAY, a, lying, nonce);
        assertTrue(x.reason().contains(":18"), x.reason());
    }

    @Test
    void quoteSignedByAnotherTpmIsRejected() throws Exception {
        byte[] nonce = Hosts.nonce();
        Hosts.Attested trusted = Hosts.attest(host, KeyAlgorithm.ECC_P256, nonce);
        Hosts.Attested impostor = Hosts.attest(otherHost, KeyAlgorithm.ECC_P256, nonce);
        // The other host's own AK is not the trusted one...
        assertRejected(Check.AK_TRUSTED, trusted, impostor.evidence(), nonce);
        // ...and claiming the trusted AK does not make its signature verify.
        Evidence e = impostor.evidence();
        Evidence claimed = new Evidence(e.quote(), e.pcrValues(), trusted.akPublicArea(), e.ekPublicArea(), e.ekCertificate().orElse(null), e.eventLog());
        assertRejected(Check.SIGNATURE, trusted, claimed, nonce);
    }

    @Test
    void akWithoutRestrictedAttributeIsRejected() throws Exception {
        byte[] nonce = Hosts.nonce();
        Hosts.Attested a = Hosts.attest(host, KeyAlgorithm.ECC_P256, nonce);
        byte[] ak = a.akPublicArea();
        ak[5] &= ~0x01; // objectAttributes bits 16..23 sit at offset 5; bit 16 is restricted
        Evidence e = a.evidence();
        Evidence weak = new Evidence(e.quote(), e.pcrValues(), ak, e.ekPublicArea(), e.ekCertificate().orElse(null), e.eventLog());
        assertRejected(Check.AK_ATTRIBUTES, a, weak, nonce);
    }

    @Test
    void truncatedStructuresAreRejectedWithTheirCheck() throws Exception {
        byte[] nonce = Hosts.nonce();
        Hosts.Attested a = Hosts.attest(host, KeyAlgorithm.ECC_P256, nonce);
        Evidence e = a.evidence();
        byte[] msg = e.quote().message();
        byte[] sig = e.quote().signature();
        assertRejected(Check.QUOTE_STRUCTURE, a, withQuote(e, new Quote(Arrays.copyOf(msg, msg.length - 3), sig)), nonce);
        assertRejected(Check.SIGNATURE_STRUCTURE, a, withQuote(e, new Quote(msg, Arrays.copyOf(sig, sig.length - 3))), nonce);
        byte[] log = e.eventLog();
        Evidence shortLog = new Evidence(e.quote(), e.pcrValues(), e.akPublicArea(), e.ekPublicArea(), e.ekCertificate().orElse(null),
                Arrays.copyOf(log, log.length - 5));
        assertRejected(Check.EVENT_LOG_STRUCTURE, a, shortLog, nonce);
        byte[] ak = e.akPublicArea();
        Evidence shortAk = new Evidence(e.quote(), e.pcrValues(), Arrays.copyOf(ak, ak.length - 1), e.ekPublicArea(),
                e.ekCertificate().orElse(null), log);
        assertRejected(Check.AK_STRUCTURE, a, shortAk, nonce);
    }

    private static Verifier verifier(Hosts.Attested a) throws Exception {
        return Verifier.trusting(TrustedAttestationKey.pinned(a.akPublicArea()));
    }

    private static Evidence withQuote(Evidence e, Quote q) {
        return new Evidence(q, e.pcrValues(), e.akPublicArea(), e.ekPublicArea(), e.ekCertificate().orElse(null), e.eventLog());
    }

    private static VerificationException assertRejected(Check expected, Hosts.Attested trusted, Evidence evidence, byte[] nonce) throws Exception {
        VerificationException x = assertThrows(VerificationException.class, () -> verifier(trusted).verify(evidence, nonce));
        assertEquals(expected, x.check(), x.getMessage());
        return x;
    }
}
