package org.attestedmigration.attestation;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.attestedmigration.attestation.device.MssimDevice;
import org.attestedmigration.attestation.device.SwtpmControlChannel;
import org.attestedmigration.attestation.device.SwtpmDataDevice;
import tss.TpmDeviceBase;
import tss.TpmDeviceLinux;
import tss.TpmException;
import tss.tpm.CreatePrimaryResponse;
import tss.tpm.NV_ReadPublicResponse;
import tss.tpm.PCR_ReadResponse;
import tss.tpm.QuoteResponse;
import tss.tpm.StartAuthSessionResponse;
import tss.tpm.TPM2B_PUBLIC_KEY_RSA;
import tss.tpm.TPMA_OBJECT;
import tss.tpm.TPMS_ECC_PARMS;
import tss.tpm.TPMS_ECC_POINT;
import tss.tpm.TPMS_ID_OBJECT;
import tss.tpm.TPMS_NULL_KDF_SCHEME;
import tss.tpm.TPMS_NULL_SIG_SCHEME;
import tss.tpm.TPMS_PCR_SELECTION;
import tss.tpm.TPMS_RSA_PARMS;
import tss.tpm.TPMS_SENSITIVE_CREATE;
import tss.tpm.TPMS_SIG_SCHEME_ECDSA;
import tss.tpm.TPMS_SIG_SCHEME_RSASSA;
import tss.tpm.TPMT_HA;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPMT_SYM_DEF;
import tss.tpm.TPMT_SYM_DEF_OBJECT;
import tss.tpm.TPM_ALG_ID;
import tss.tpm.TPM_ECC_CURVE;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_RC;
import tss.tpm.TPM_RH;
import tss.tpm.TPM_SE;
import tss.tpm.TPM_SU;

/**
 * One TPM, reached through a {@link TpmUri}: PCRs, the endorsement key, attestation keys, quotes,
 * credential activation and (on emulators) the locality and DRTM controls a measured launch uses.
 *
 * <p>Not thread-safe: a TPM executes one command at a time and swtpm serves one client.
 * Transient objects this instance creates are flushed on {@link #close()}.
 */
public final class Tpm implements AutoCloseable {
    /** Mixed into the AK template's unique field so the AK differs from any other primary key. */
    private static final byte[] AK_UNIQUE = "attested-migration AK".getBytes(StandardCharsets.US_ASCII);
    private static final int PCR_READ_BATCH = 8;
    private static final int NV_READ_CHUNK = 512;

    private final TpmUri uri;
    private final tss.Tpm tss;
    private final SwtpmControlChannel swtpmControl;
    private final MssimDevice mssim;
    private final List<TPM_HANDLE> transientHandles = new ArrayList<>();

    private Tpm(TpmUri uri, tss.Tpm tss, SwtpmControlChannel swtpmControl, MssimDevice mssim) {
        this.uri = uri;
        this.tss = tss;
        this.swtpmControl = swtpmControl;
        this.mssim = mssim;
    }

    /** Connects to the TPM; for a simulator it also powers it on and starts it up if needed. */
    public static Tpm open(TpmUri uri) throws TpmAccessException {
        TpmDeviceBase device;
        SwtpmControlChannel control = null;
        MssimDevice mssim = null;
        try {
            switch (uri.kind()) {
                case SWTPM -> {
                    device = new SwtpmDataDevice(uri.host(), uri.port());
                    control = new SwtpmControlChannel(uri.host(), uri.port() + 1);
                }
                case MSSIM -> {
                    mssim = new MssimDevice(uri.host(), uri.port());
                    mssim.powerOn();
                    device = mssim;
                }
                case DEVICE -> {
                    // TSS.Java's Linux device opens /dev/tpmrm0, else /dev/tpm0, by itself.
                    String path = uri.devicePath().toString();
                    if (!path.equals("/dev/tpmrm0") && !path.equals("/dev/tpm0")) {
                        throw new TpmAccessException("unsupported TPM device " + path + ": use device:///dev/tpmrm0 (or /dev/tpm0)");
                    }
                    device = new TpmDeviceLinux();
                }
                default -> throw new IllegalStateException("unhandled TPM kind " + uri.kind());
            }
        } catch (RuntimeException e) {
            throw new TpmAccessException("cannot reach the TPM at " + uri + ": " + describe(e), e);
        }
        tss.Tpm t = new tss.Tpm();
        t._setDevice(device);
        Tpm tpm = new Tpm(uri, t, control, mssim);
        if (mssim != null) {
            tpm.startupIfNeeded();
        }
        return tpm;
    }

    public TpmUri uri() {
        return uri;
    }

    private void startupIfNeeded() throws TpmAccessException {
        try {
            call("Startup", () -> {
                tss.Startup(TPM_SU.CLEAR);
                return null;
            });
        } catch (TpmAccessException e) {
            if (!e.getMessage().endsWith("TPM_RC_INITIALIZE")) {
                throw e; // TPM_RC_INITIALIZE only means it was started already
            }
        }
    }

    /** Reads the selected PCRs of one bank. */
    public PcrValues readPcrs(PcrSelection selection) throws TpmAccessException {
        PcrValues.Builder values = PcrValues.builder();
        List<Integer> wanted = new ArrayList<>(selection.pcrs());
        for (int start = 0; start < wanted.size(); start += PCR_READ_BATCH) {
            List<Integer> batch = wanted.subList(start, Math.min(wanted.size(), start + PCR_READ_BATCH));
            TPMS_PCR_SELECTION[] sel = {new TPMS_PCR_SELECTION(tssAlg(selection.bank()), batch.stream().mapToInt(i -> i).toArray())};
            PCR_ReadResponse r = call("PCR_Read", () -> tss.PCR_Read(sel));
            List<Integer> returned = selectedIndices(r.pcrSelectionOut);
            if (returned.size() != r.pcrValues.length || !returned.containsAll(batch)) {
                throw new TpmAccessException("PCR_Read of " + selection + " returned " + returned + ": is the "
                        + selection.bank().bankName() + " bank active?");
            }
            for (int i = 0; i < returned.size(); i++) {
                values.put(selection.bank(), returned.get(i), r.pcrValues[i].buffer);
            }
        }
        return values.build();
    }

    private static List<Integer> selectedIndices(TPMS_PCR_SELECTION[] sels) {
        List<Integer> out = new ArrayList<>();
        for (TPMS_PCR_SELECTION s : sels) {
            for (int byteIx = 0; byteIx < s.pcrSelect.length; byteIx++) {
                for (int bit = 0; bit < 8; bit++) {
                    if ((s.pcrSelect[byteIx] & (1 << bit)) != 0) {
                        out.add(byteIx * 8 + bit);
                    }
                }
            }
        }
        return out;
    }

    /**
     * Extends one PCR in each given bank with the given digests, at the given locality (then back
     * to locality 0). PCR 17..22 only accept extends from localities above 0.
     */
    public void extendPcr(int pcr, int locality, Map<HashAlgorithm, byte[]> digests) throws TpmAccessException {
        TPMT_HA[] has = digests.entrySet().stream()
                .map(e -> new TPMT_HA(tssAlg(e.getKey()), e.getValue().clone()))
                .toArray(TPMT_HA[]::new);
        setLocality(locality);
        try {
            call("PCR_Extend of PCR " + pcr + " at locality " + locality, () -> {
                tss.PCR_Extend(TPM_HANDLE.pcr(pcr), has);
                return null;
            });
        } finally {
            if (locality != 0) {
                setLocality(0);
            }
        }
    }

    /** Sets the locality of the following commands; only emulators let software choose it. */
    public void setLocality(int locality) throws TpmAccessException {
        if (swtpmControl != null) {
            swtpmControl.setLocality(locality);
        } else if (mssim != null) {
            mssim.setLocality(locality);
        } else {
            throw new TpmAccessException("the locality of " + uri + " is set by the hardware, not by software");
        }
    }

    /**
     * The DRTM hash sequence an Intel TXT GETSEC[SENTER] performs at locality 4: PCR 17..22 are
     * reset to zero and PCR 17 is extended with H(data) in every active bank. Emulators only.
     */
    public void dynamicLaunch(byte[] data) throws TpmAccessException {
        if (swtpmControl != null) {
            swtpmControl.hashSequence(data);
        } else if (mssim != null) {
            try {
                mssim.hashSequence(data);
            } catch (IOException e) {
                throw new TpmAccessException("DRTM hash sequence on " + uri + " failed: " + e.getMessage(), e);
            }
        } else {
            throw new TpmAccessException("a dynamic launch on " + uri + " is done by the CPU (GETSEC[SENTER]), not by software");
        }
    }

    /** The TPM's random number generator. */
    public byte[] random(int bytes) throws TpmAccessException {
        return call("GetRandom", () -> tss.GetRandom(bytes));
    }

    /** Reads the provisioned endorsement key and, if present, its certificate from NV. */
    public EndorsementKey endorsementKey(EndorsementKeyType type) throws TpmAccessException {
        TPM_HANDLE handle = TPM_HANDLE.persistent(type.persistentHandle() & 0x00ffffff);
        TPMT_PUBLIC pub = call("ReadPublic of EK 0x" + Integer.toHexString(type.persistentHandle()),
                () -> tss.ReadPublic(handle).outPublic);
        return new EndorsementKey(type, pub.toTpm(), readCertificate(type.certificateNvIndex()));
    }

    private X509Certificate readCertificate(int nvIndex) throws TpmAccessException {
        TPM_HANDLE nv = TPM_HANDLE.NV(nvIndex & 0x00ffffff);
        NV_ReadPublicResponse info;
        try {
            info = call("NV_ReadPublic", () -> tss.NV_ReadPublic(nv));
        } catch (TpmAccessException e) {
            return null; // no certificate provisioned at this index
        }
        int size = info.nvPublic.dataSize & 0xffff;
        byte[] der = new byte[size];
        nv.AuthValue = new byte[0];
        for (int off = 0; off < size; off += NV_READ_CHUNK) {
            int n = Math.min(NV_READ_CHUNK, size - off);
            int offset = off;
            byte[] chunk = call("NV_Read of 0x" + Integer.toHexString(nvIndex), () -> tss.NV_Read(nv, nv, n, offset));
            System.arraycopy(chunk, 0, der, off, chunk.length);
        }
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new TpmAccessException("the EK certificate in NV 0x" + Integer.toHexString(nvIndex) + " does not parse: " + e.getMessage(), e);
        }
    }

    /**
     * Creates (derives) the attestation key: a restricted signing primary key in the endorsement
     * hierarchy with fixedTPM, fixedParent and sensitiveDataOrigin. Being a primary key with a
     * fixed template, it is the same key each time on the same TPM, so a policy can pin it.
     */
    public AttestationKey createAttestationKey(KeyAlgorithm algorithm) throws TpmAccessException {
        TPMA_OBJECT attributes = new TPMA_OBJECT(TPMA_OBJECT.fixedTPM, TPMA_OBJECT.fixedParent, TPMA_OBJECT.sensitiveDataOrigin,
                TPMA_OBJECT.userWithAuth, TPMA_OBJECT.restricted, TPMA_OBJECT.sign, TPMA_OBJECT.noDA);
        TPMT_SYM_DEF_OBJECT noSymmetric = new TPMT_SYM_DEF_OBJECT(TPM_ALG_ID.NULL, 0, TPM_ALG_ID.NULL);
        TPMT_PUBLIC template = switch (algorithm) {
            case ECC_P256 -> new TPMT_PUBLIC(TPM_ALG_ID.SHA256, attributes, new byte[0],
                    new TPMS_ECC_PARMS(noSymmetric, new TPMS_SIG_SCHEME_ECDSA(TPM_ALG_ID.SHA256), TPM_ECC_CURVE.NIST_P256,
                            new TPMS_NULL_KDF_SCHEME()),
                    new TPMS_ECC_POINT(AK_UNIQUE, new byte[0]));
            case RSA_2048 -> new TPMT_PUBLIC(TPM_ALG_ID.SHA256, attributes, new byte[0],
                    new TPMS_RSA_PARMS(noSymmetric, new TPMS_SIG_SCHEME_RSASSA(TPM_ALG_ID.SHA256), 2048, 0),
                    new TPM2B_PUBLIC_KEY_RSA(AK_UNIQUE));
        };
        TPM_HANDLE endorsement = TPM_HANDLE.from(TPM_RH.ENDORSEMENT);
        endorsement.AuthValue = new byte[0];
        CreatePrimaryResponse r = call("CreatePrimary of the " + algorithm + " AK", () -> tss.CreatePrimary(endorsement,
                new TPMS_SENSITIVE_CREATE(new byte[0], new byte[0]), template, new byte[0], new TPMS_PCR_SELECTION[0]));
        r.handle.AuthValue = new byte[0];
        transientHandles.add(r.handle);
        return new AttestationKey(algorithm, r.outPublic.toTpm(), r.name, r.handle.handle);
    }

    /**
     * TPM2_Quote over the selected PCRs with the AK's own signing scheme; extraData (at most 64
     * bytes here) is what binds the quote to a verifier's nonce and channel.
     */
    public Quote quote(AttestationKey ak, byte[] extraData, List<PcrSelection> selections) throws TpmAccessException {
        if (extraData.length > 64) {
            throw new IllegalArgumentException("quote extraData is " + extraData.length + " bytes; at most 64");
        }
        TPMS_PCR_SELECTION[] sel = selections.stream()
                .map(s -> new TPMS_PCR_SELECTION(tssAlg(s.bank()), s.pcrs().stream().mapToInt(i -> i).toArray()))
                .toArray(TPMS_PCR_SELECTION[]::new);
        TPM_HANDLE handle = handleOf(ak);
        QuoteResponse r = call("Quote", () -> tss.Quote(handle, extraData.clone(), new TPMS_NULL_SIG_SCHEME(), sel));
        byte[] body = r.signature.toTpm();
        byte[] signature = new byte[2 + body.length];
        int sigAlg = r.GetUnionSelector_signature();
        signature[0] = (byte) (sigAlg >> 8);
        signature[1] = (byte) sigAlg;
        System.arraycopy(body, 0, signature, 2, body.length);
        return new Quote(r.quoted.toTpm(), signature);
    }

    /**
     * Gathers this host's evidence: a quote over the selections bound to {@code extraData}, the
     * PCR values it covers, the AK's public area, the event log, and the RSA EK's public area and
     * certificate when the TPM has them.
     */
    public Evidence attest(AttestationKey ak, byte[] extraData, List<PcrSelection> selections, byte[] eventLog)
            throws TpmAccessException {
        Quote quote = quote(ak, extraData, selections);
        PcrValues.Builder values = PcrValues.builder();
        for (PcrSelection s : selections) {
            PcrValues read = readPcrs(s);
            for (int pcr : s.pcrs()) {
                values.put(s.bank(), pcr, read.get(s.bank(), pcr).orElseThrow());
            }
        }
        Optional<EndorsementKey> ek = endorsementKeyIfPresent(EndorsementKeyType.RSA_2048);
        return new Evidence(quote, values.build(), ak.publicArea(), ek.map(EndorsementKey::publicArea).orElse(new byte[0]),
                ek.flatMap(EndorsementKey::certificate).orElse(null), eventLog);
    }

    /** The endorsement key if one is provisioned at its persistent handle (simulators may have none). */
    public Optional<EndorsementKey> endorsementKeyIfPresent(EndorsementKeyType type) throws TpmAccessException {
        TPM_HANDLE handle = TPM_HANDLE.persistent(type.persistentHandle() & 0x00ffffff);
        try {
            call("ReadPublic", () -> tss.ReadPublic(handle));
        } catch (TpmAccessException e) {
            return Optional.empty();
        }
        return Optional.of(endorsementKey(type));
    }

    /**
     * TPM2_ActivateCredential: recovers the secret a verifier sealed to this TPM's EK for this
     * AK's name. It fails inside the TPM unless both keys are loaded in this very TPM.
     *
     * @param credentialBlob  TPMS_ID_OBJECT contents (integrityHMAC as TPM2B, then encIdentity)
     * @param encryptedSecret TPM2B_ENCRYPTED_SECRET contents (the seed sealed to the EK)
     */
    public byte[] activateCredential(AttestationKey ak, EndorsementKeyType ek, byte[] credentialBlob, byte[] encryptedSecret)
            throws TpmAccessException {
        if (credentialBlob.length < 2) {
            throw new TpmAccessException("credential blob is too short");
        }
        int hmacLen = ((credentialBlob[0] & 0xff) << 8) | (credentialBlob[1] & 0xff);
        if (2 + hmacLen > credentialBlob.length) {
            throw new TpmAccessException("credential blob's integrity HMAC overruns the blob");
        }
        TPMS_ID_OBJECT id = new TPMS_ID_OBJECT(Arrays.copyOfRange(credentialBlob, 2, 2 + hmacLen),
                Arrays.copyOfRange(credentialBlob, 2 + hmacLen, credentialBlob.length));
        TPM_HANDLE ekHandle = TPM_HANDLE.persistent(ek.persistentHandle() & 0x00ffffff);
        TPM_HANDLE akHandle = handleOf(ak);
        TPMT_PUBLIC ekPublic = call("ReadPublic of the EK", () -> tss.ReadPublic(ekHandle).outPublic);
        TPM_HANDLE session;
        if ((ekPublic.objectAttributes.toInt() & TPMA_OBJECT.userWithAuth.toInt()) != 0) {
            // Some EKs (swtpm's P-384 one) also accept their empty password; a policy session of
            // the wrong hash would fail on them.
            ekHandle.AuthValue = new byte[0];
            session = TPM_HANDLE.pwSession(new byte[0]);
        } else {
            session = startEkPolicySession(ekPublic.nameAlg);
        }
        TPM_HANDLE ekSession = session;
        try {
            return call("ActivateCredential", () -> tss._withSessions(TPM_HANDLE.pwSession(new byte[0]), ekSession)
                    .ActivateCredential(akHandle, ekHandle, id, encryptedSecret.clone()));
        } finally {
            if (ekSession.handle != TPM_RH.RS_PW.toInt()) {
                flushQuietly(ekSession);
            }
        }
    }

    /** A policy session satisfying the TCG default EK policy: PolicySecret(TPM_RH_ENDORSEMENT). */
    private TPM_HANDLE startEkPolicySession(TPM_ALG_ID hash) throws TpmAccessException {
        TPM_HANDLE none = TPM_HANDLE.from(TPM_RH.NULL);
        byte[] nonceCaller = random(16);
        StartAuthSessionResponse s = call("StartAuthSession", () -> tss.StartAuthSession(none, none, nonceCaller, new byte[0],
                TPM_SE.POLICY, new TPMT_SYM_DEF(TPM_ALG_ID.NULL, 0, TPM_ALG_ID.NULL), hash));
        TPM_HANDLE endorsement = TPM_HANDLE.from(TPM_RH.ENDORSEMENT);
        endorsement.AuthValue = new byte[0];
        try {
            call("PolicySecret(endorsement)", () -> tss.PolicySecret(endorsement, s.handle, new byte[0], new byte[0], new byte[0], 0));
        } catch (TpmAccessException e) {
            flushQuietly(s.handle);
            throw e;
        }
        return s.handle;
    }

    /** Flushes the AK from the TPM; it can be derived again with {@link #createAttestationKey}. */
    public void release(AttestationKey ak) {
        TPM_HANDLE h = handleOf(ak);
        flushQuietly(h);
        transientHandles.remove(h);
    }

    private TPM_HANDLE handleOf(AttestationKey ak) {
        for (TPM_HANDLE h : transientHandles) {
            if (h.handle == ak.handle) {
                return h;
            }
        }
        throw new IllegalArgumentException("this attestation key was not created by this Tpm instance or was already flushed");
    }

    private void flushQuietly(TPM_HANDLE h) {
        try {
            tss._allowErrors().FlushContext(h);
        } catch (RuntimeException ignored) {
            // The session or object is gone already; nothing to release.
        }
    }

    @Override
    public void close() throws TpmAccessException {
        for (TPM_HANDLE h : transientHandles) {
            flushQuietly(h);
        }
        transientHandles.clear();
        try {
            tss.close();
        } catch (IOException e) {
            throw new TpmAccessException("closing the connection to " + uri + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Runs one TPM command. Errors are collected rather than thrown by TSS.Java, because its own
     * error path prints to standard output.
     */
    private <T> T call(String what, Supplier<T> command) throws TpmAccessException {
        T result;
        try {
            tss._allowErrors();
            result = command.get();
        } catch (RuntimeException e) {
            throw new TpmAccessException(what + " failed on " + uri + ": " + describe(e), e);
        }
        TPM_RC rc = tss._getLastResponseCode();
        if (rc != null && rc != TPM_RC.SUCCESS) {
            throw new TpmAccessException(what + " failed on " + uri + ": TPM_RC_" + rc.name());
        }
        return result;
    }

    private static String describe(RuntimeException e) {
        if (e instanceof TpmException te && te.ResponseCode != null) {
            return "TPM_RC_" + te.ResponseCode.name() + " (" + te.getMessage() + ")";
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private static TPM_ALG_ID tssAlg(HashAlgorithm a) {
        return switch (a) {
            case SHA1 -> TPM_ALG_ID.SHA1;
            case SHA256 -> TPM_ALG_ID.SHA256;
            case SHA384 -> TPM_ALG_ID.SHA384;
            case SHA512 -> TPM_ALG_ID.SHA512;
        };
    }
}
