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
 * This host's prover half: its AK (and EK, when the policy identifies this host by it),
 * credential activation and quotes. Every TPM command runs under the {@link Tpm} instance's
 * monitor, because a TPM (and swtpm's single client connection) executes one command sequence at
 * a time while several handshakes may run at once. Callers are worker threads, never an event
 * loop: TPM commands block.
 */
final class TpmAttester {
    /** The RSA EK: the one whose certificate swtpm_setup and most manufacturers provision. */
    private static final EndorsementKeyType EK = EndorsementKeyType.RSA_2048;

    private final Tpm tpm;
    private final byte[] eventLog;
    private final KeyAlgorithm akAlgorithm;
    private final List<PcrSelection> quoted;
    private final Identification identification;
    private AttestationKey ak;
    private Keys keys;

    /** Which keys this host presents, from its own entry in the policy both sides load. */
    enum Identification {
        /** The policy lists this host's EK (or does not know this host): send the EK and its certificate; peers activate the AK. */
        ENDORSEMENT_KEY,
        /**
         * The policy identifies this host by its pinned AK alone: send the AK only. The EK
         * certificate, a permanent and global identifier of the TPM, is not disclosed.
         */
        PINNED_AK
    }

    /** The AK public area and the endorsement (none for {@link Identification#PINNED_AK}) a HELLO carries. */
    record Keys(byte[] akPublic, List<HandshakeMessage.Endorsement> endorsement) {
    }

    TpmAttester(Tpm tpm, byte[] eventLog, KeyAlgorithm akAlgorithm, List<PcrSelection> quoted, Identification identification) {
        this.tpm = Objects.requireNonNull(tpm, "tpm");
        this.eventLog = eventLog.clone();
        this.akAlgorithm = Objects.requireNonNull(akAlgorithm, "akAlgorithm");
        this.quoted = List.copyOf(quoted);
        this.identification = Objects.requireNonNull(identification, "identification");
    }

    static Identification identificationFor(org.attestedmigration.policy.Policy policy, String hostName) {
        return policy.host(hostName).filter(h -> h.ekPublicKeySha256().isEmpty() && h.akName().isPresent())
                .map(h -> Identification.PINNED_AK).orElse(Identification.ENDORSEMENT_KEY);
    }

    /** The AK is a primary key with a fixed template: derived once, it serves every handshake. */
    Keys keys() throws TpmAccessException {
        synchronized (tpm) {
            if (keys == null) {
                AttestationKey created = tpm.createAttestationKey(akAlgorithm);
                List<HandshakeMessage.Endorsement> endorsement = List.of();
                if (identification == Identification.ENDORSEMENT_KEY) {
                    EndorsementKey ek = tpm.endorsementKey(EK);
                    byte[] certificate;
                    try {
                        certificate = ek.certificate().orElseThrow(() -> new TpmAccessException("the TPM at " + tpm.uri()
                                + " has no EK certificate; the peer could not trust its AK (pin the AK in the policy instead)")).getEncoded();
                    } catch (CertificateEncodingException e) {
                        throw new TpmAccessException("the EK certificate does not encode: " + e.getMessage(), e);
                    }
                    endorsement = List.of(new HandshakeMessage.Endorsement(ek.publicArea(), certificate));
                }
                ak = created;
                keys = new Keys(created.publicArea(), endorsement);
            }
            return keys;
        }
    }

    /** Flushes the AK from the TPM (it is derived again on the next use). */
    void release() {
        synchronized (tpm) {
            if (ak != null) {
                try {
                    tpm.release(ak);
                } catch (RuntimeException alreadyGone) {
                    // The Tpm was closed first, which flushed it.
                }
            }
            ak = null;
            keys = null;
        }
    }

    byte[] activate(HandshakeMessage.CredentialChallenge challenge) throws TpmAccessException {
        synchronized (tpm) {
            if (keys().endorsement().isEmpty()) {
                throw new TpmAccessException("the peer sent a credential challenge, but this host is identified by its pinned AK"
                        + " and presented no EK");
            }
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
