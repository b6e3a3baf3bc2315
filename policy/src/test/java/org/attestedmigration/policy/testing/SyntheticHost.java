package org.attestedmigration.policy.testing;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.List;
import org.attestedmigration.attestation.AttestationException;
import org.attestedmigration.attestation.Evidence;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.PcrValues;
import org.attestedmigration.attestation.Quote;
import org.attestedmigration.attestation.TrustedAttestationKey;
import org.attestedmigration.attestation.VerifiedEvidence;
import org.attestedmigration.attestation.Verifier;
import org.attestedmigration.attestation.eventlog.EventLog;
import org.attestedmigration.attestation.tpm2.PcrSelections;
import org.attestedmigration.attestation.tpm2.PublicArea;
import org.attestedmigration.attestation.tpm2.TpmWriter;
import org.attestedmigration.attestation.txt.LaunchComponents;
import org.attestedmigration.attestation.txt.MeasuredLaunchPlan;

/**
 * A host whose TPM is simulated in a few lines of Java: an ECC P-256 AK, PCR values computed by
 * replaying a launch's event log, and a TPM2_Quote marshalled and signed as a TPM would. Its
 * evidence goes through the real {@link Verifier} (pinned AK), so tests get genuine
 * {@link VerifiedEvidence} without swtpm.
 */
public final class SyntheticHost {
    /** The PCRs quoted: the TXT PCRs in both banks the launch plan fills. */
    public static final List<PcrSelection> QUOTED = List.of(
            PcrSelection.of(HashAlgorithm.SHA256, 17, 18, 19),
            PcrSelection.of(HashAlgorithm.SHA1, 17, 18, 19));

    private static final int TPM_ALG_ECC = 0x0023;
    private static final int TPM_ALG_SHA256 = 0x000B;
    private static final int TPM_ALG_NULL = 0x0010;
    private static final int TPM_ALG_ECDSA = 0x0018;
    private static final int TPM_ECC_NIST_P256 = 0x0003;
    /** fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | sign. */
    private static final long AK_ATTRIBUTES = (1L << 1) | (1L << 4) | (1L << 5) | (1L << 6) | (1L << 16) | (1L << 18);
    private static final long TPM_GENERATED_VALUE = 0xff544347L;
    private static final int TPM_ST_ATTEST_QUOTE = 0x8018;

    private final KeyPair ak;
    private final byte[] akPublicArea;

    private SyntheticHost(KeyPair ak) {
        this.ak = ak;
        this.akPublicArea = marshalPublicArea((ECPublicKey) ak.getPublic());
    }

    /** A host with a fresh AK. */
    public static SyntheticHost create() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return new SyntheticHost(g.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no P-256 in this JDK", e);
        }
    }

    /** The AK's TPMT_PUBLIC. */
    public byte[] akPublicArea() {
        return akPublicArea.clone();
    }

    /** The AK's TPM name (nameAlg || H(TPMT_PUBLIC)), as a policy pins it. */
    public byte[] akName() {
        try {
            return PublicArea.parse(akPublicArea).name();
        } catch (AttestationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Launches these components and returns the verified evidence of it. */
    public VerifiedEvidence launch(LaunchComponents components) {
        return attest(MeasuredLaunchPlan.of(components).eventLog());
    }

    /** Evidence whose PCRs are what replaying {@code log} gives, verified with this host's pinned AK. */
    public VerifiedEvidence attest(EventLog log) {
        byte[] nonce = HashAlgorithm.SHA256.digest(("nonce for " + log.size() + " events").getBytes());
        PcrValues.Builder pcrs = PcrValues.builder();
        for (PcrSelection s : QUOTED) {
            PcrValues replayed = log.replay(s);
            for (int pcr : s.pcrs()) {
                pcrs.put(s.bank(), pcr, replayed.get(s.bank(), pcr).orElseThrow());
            }
        }
        Evidence evidence = evidence(pcrs.build(), log.encode(), nonce);
        try {
            return Verifier.trusting(TrustedAttestationKey.pinned(akPublicArea)).verify(evidence, nonce);
        } catch (AttestationException e) {
            throw new IllegalStateException("synthetic evidence does not verify: " + e.getMessage(), e);
        }
    }

    private Evidence evidence(PcrValues pcrs, byte[] log, byte[] nonce) {
        TpmWriter digest = new TpmWriter();
        for (PcrSelection s : QUOTED) {
            for (int pcr : s.pcrs()) {
                digest.bytes(pcrs.get(s.bank(), pcr).orElseThrow());
            }
        }
        TpmWriter attest = new TpmWriter()
                .u32(TPM_GENERATED_VALUE).u16(TPM_ST_ATTEST_QUOTE)
                .tpm2b(akName())
                .tpm2b(nonce)
                .u64(123_456).u32(1).u32(0).u8(1) // clockInfo: clock, resetCount, restartCount, safe
                .u64(0x2023_0101L); // firmwareVersion
        PcrSelections.marshal(attest, QUOTED);
        attest.tpm2b(HashAlgorithm.SHA256.digest(digest.toByteArray()));
        byte[] message = attest.toByteArray();
        return new Evidence(new Quote(message, sign(message)), pcrs, akPublicArea, new byte[0], null, log);
    }

    /** TPMT_SIGNATURE: ECDSA, SHA-256, r and s as TPM2B_ECC_PARAMETER. */
    private byte[] sign(byte[] message) {
        try {
            Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
            s.initSign(ak.getPrivate());
            s.update(message);
            byte[] rs = s.sign();
            return new TpmWriter().u16(TPM_ALG_ECDSA).u16(TPM_ALG_SHA256)
                    .tpm2b(Arrays.copyOfRange(rs, 0, 32)).tpm2b(Arrays.copyOfRange(rs, 32, 64)).toByteArray();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] marshalPublicArea(ECPublicKey key) {
        return new TpmWriter()
                .u16(TPM_ALG_ECC).u16(TPM_ALG_SHA256).u32(AK_ATTRIBUTES)
                .tpm2b(new byte[0]) // authPolicy
                .u16(TPM_ALG_NULL) // symmetric: a signing key has none
                .u16(TPM_ALG_ECDSA).u16(TPM_ALG_SHA256) // scheme
                .u16(TPM_ECC_NIST_P256)
                .u16(TPM_ALG_NULL) // kdf
                .tpm2b(coordinate(key.getW().getAffineX()))
                .tpm2b(coordinate(key.getW().getAffineY()))
                .toByteArray();
    }

    /** A P-256 coordinate as exactly 32 unsigned big-endian bytes. */
    private static byte[] coordinate(BigInteger v) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[32];
        int n = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - n, out, 32 - n, n);
        return out;
    }
}
