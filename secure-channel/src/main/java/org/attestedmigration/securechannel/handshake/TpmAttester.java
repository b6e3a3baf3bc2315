package org.attestedmigration.securechannel.handshake;

import java.security.cert.CertificateEncodingException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.attestedmigration.attestation.AttestationKey;
import org.attestedmigration.attestation.EndorsementKey;
import org.attestedmigration.attestation.EndorsementKeyType;
import org.attestedmigration.attestation.KeyAlgorithm;
import org.attestedmigration.attestation.PcrSelection;
import org.attestedmigration.attestation.PcrValues;
import org.attestedmigration.attestation.Quote;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.attestation.TpmAccessException;

/**
 * This host's prover half: its AK and EK, credential activation and quotes. Every TPM command
 * runs under the {@link Tpm} instance's monitor, because a TPM (and swtpm's single client
 * connection) executes one command sequence at a time while several handshakes may run at once.
 * Callers are worker threads, never an event loop: TPM commands block.
 */
final class TpmAttester {
    /** The RSA EK: the one whose certificate swtpm_setup and most manufacturers provision. */
    private static final EndorsementKeyType EK = EndorsementKeyType.RSA_2048;

    private final Tpm tpm;
    private final byte[] eventLog;
    private final KeyAlgorithm akAlgorithm;
    private final List<PcrSelection> quoted;
    private AttestationKey ak;
    private HandshakeMessage.AttestationKeys keys;

    TpmAttester(Tpm tpm, byte[] eventLog, KeyAlgorithm akAlgorithm, List<PcrSelection> quoted) {
        this.tpm = Objects.requireNonNull(tpm, "tpm");
        this.eventLog = eventLog.clone();
        this.akAlgorithm = Objects.requireNonNull(akAlgorithm, "akAlgorithm");
        this.quoted = List.copyOf(quoted);
    }

    /** The AK is a primary key with a fixed template: derived once, it serves every handshake. */
    HandshakeMessage.AttestationKeys keys() throws TpmAccessException {
        synchronized (tpm) {
            if (keys == null) {
                AttestationKey created = tpm.createAttestationKey(akAlgorithm);
                EndorsementKey ek = tpm.endorsementKey(EK);
                byte[] certificate;
                try {
                    certificate = ek.certificate().orElseThrow(() -> new TpmAccessException("the TPM at " + tpm.uri()
                            + " has no EK certificate; the peer could not trust its AK")).getEncoded();
                } catch (CertificateEncodingException e) {
                    throw new TpmAccessException("the EK certificate does not encode: " + e.getMessage(), e);
                }
                ak = created;
                keys = new HandshakeMessage.AttestationKeys(created.publicArea(), ek.publicArea(), certificate);
            }
            return keys;
        }
    }

    byte[] activate(HandshakeMessage.CredentialChallenge challenge) throws TpmAccessException {
        synchronized (tpm) {
            keys();
            return tpm.activateCredential(ak, EK, challenge.credentialBlob(), challenge.encryptedSecret());
        }
    }

    /** Quote bound to {@code extraData}, with the PCR values it covers and the event log. */
    HandshakeMessage.EvidenceMessage attest(byte[] extraData) throws TpmAccessException {
        synchronized (tpm) {
            keys();
            Quote quote = tpm.quote(ak, extraData, quoted);
            List<HandshakeMessage.Pcr> pcrs = new ArrayList<>();
            for (PcrSelection s : quoted) {
                PcrValues values = tpm.readPcrs(s);
                for (int pcr : s.pcrs()) {
                    pcrs.add(new HandshakeMessage.Pcr(s.bank().bankName(), pcr, values.get(s.bank(), pcr).orElseThrow()));
                }
            }
            return new HandshakeMessage.EvidenceMessage(quote.message(), quote.signature(), pcrs, eventLog);
        }
    }
}
