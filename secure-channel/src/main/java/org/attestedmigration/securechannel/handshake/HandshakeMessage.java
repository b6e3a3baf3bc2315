package org.attestedmigration.securechannel.handshake;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.attestedmigration.policy.RuleResult;
import org.attestedmigration.policy.Verdict;

/**
 * The messages of the attested handshake (protocol version 2), one per JSON frame, discriminated
 * by {@code "type"}. Byte strings are base64. Each side sends, in this order (a VERDICT of REJECT
 * may come early, in place of any later message):
 * <ol>
 * <li>HELLO: nonce, role, and the keys it attests with (the initiator's first; the responder
 *     answers only a HELLO that passed its screening);
 * <li>CREDENTIAL_CHALLENGE, only when the sender needs the receiver's AK activated (neither
 *     pinned by the policy nor activated recently), immediately followed by
 * <li>EVIDENCE: the sender's quote bound to the receiver's nonce and its own TLS key;
 * <li>CREDENTIAL_ANSWER, exactly when it received a CREDENTIAL_CHALLENGE;
 * <li>VERDICT.
 * </ol>
 * See docs/channel-protocol.md ("Attested handshake").
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = HandshakeMessage.Hello.class, name = "HELLO"),
    @JsonSubTypes.Type(value = HandshakeMessage.CredentialChallenge.class, name = "CREDENTIAL_CHALLENGE"),
    @JsonSubTypes.Type(value = HandshakeMessage.CredentialAnswer.class, name = "CREDENTIAL_ANSWER"),
    @JsonSubTypes.Type(value = HandshakeMessage.EvidenceMessage.class, name = "EVIDENCE"),
    @JsonSubTypes.Type(value = HandshakeMessage.VerdictMessage.class, name = "VERDICT")})
public sealed interface HandshakeMessage {
    int PROTOCOL_VERSION = 2;

    /** Host names as the policy spells them. */
    Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private static byte[] required(byte[] value, String field) {
        return Objects.requireNonNull(value, field).clone();
    }

    /**
     * @param role        the part the sender means to play
     * @param nonce       32 fresh bytes the receiver's quote must bind
     * @param exporter    whether the sender can bind the TLS exporter value
     * @param akPublic    the sender's AK public area (TPMT_PUBLIC)
     * @param endorsement the sender's EK and its certificate: one, or none when the policy
     *                    identifies the sender by its pinned AK alone
     */
    record Hello(int version, String host, MigrationRole role, byte[] nonce, boolean exporter, byte[] akPublic,
            List<Endorsement> endorsement) implements HandshakeMessage {
        public Hello {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(role, "role");
            if (!HOST_NAME.matcher(host).matches()) {
                throw new IllegalArgumentException("host name must be 1..64 of [A-Za-z0-9._-]");
            }
            nonce = required(nonce, "nonce");
            if (nonce.length != ChannelBinding.NONCE_LENGTH) {
                throw new IllegalArgumentException("nonce must be " + ChannelBinding.NONCE_LENGTH + " bytes");
            }
            akPublic = required(akPublic, "akPublic");
            endorsement = List.copyOf(Objects.requireNonNull(endorsement, "endorsement"));
            if (endorsement.size() > 1) {
                throw new IllegalArgumentException("at most one endorsement key");
            }
        }
    }

    /** An EK public area (TPMT_PUBLIC) and its certificate (DER). */
    record Endorsement(byte[] ekPublic, byte[] ekCertificate) {
        public Endorsement {
            ekPublic = required(ekPublic, "ekPublic");
            ekCertificate = required(ekCertificate, "ekCertificate");
        }
    }

    /** TPM2_MakeCredential's output for the receiver's AK, sealed to the receiver's EK. */
    record CredentialChallenge(byte[] credentialBlob, byte[] encryptedSecret) implements HandshakeMessage {
        public CredentialChallenge {
            credentialBlob = required(credentialBlob, "credentialBlob");
            encryptedSecret = required(encryptedSecret, "encryptedSecret");
        }
    }

    /** What the sender's TPM recovered from the challenge (TPM2_ActivateCredential). */
    record CredentialAnswer(byte[] secret) implements HandshakeMessage {
        public CredentialAnswer {
            secret = required(secret, "secret");
        }
    }

    /** One quoted PCR value. */
    record Pcr(String bank, int index, byte[] value) {
        public Pcr {
            Objects.requireNonNull(bank, "bank");
            value = required(value, "value");
        }
    }

    /** The sender's quote (TPMS_ATTEST and TPMT_SIGNATURE), the PCR values it covers and its event log. */
    record EvidenceMessage(byte[] quote, byte[] signature, List<Pcr> pcrs, byte[] eventLog) implements HandshakeMessage {
        public EvidenceMessage {
            quote = required(quote, "quote");
            signature = required(signature, "signature");
            pcrs = List.copyOf(Objects.requireNonNull(pcrs, "pcrs"));
            eventLog = required(eventLog, "eventLog");
        }
    }

    /** One rule's outcome in a verdict. */
    record Rule(String rule, RuleResult.Status status, String detail) {
        public Rule {
            Objects.requireNonNull(rule, "rule");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(detail, "detail");
        }
    }

    /** The sender's verdict on the receiver, every rule included. */
    record VerdictMessage(Verdict.Decision decision, List<Rule> rules) implements HandshakeMessage {
        public VerdictMessage {
            Objects.requireNonNull(decision, "decision");
            rules = List.copyOf(Objects.requireNonNull(rules, "rules"));
            verdictOf(decision, rules); // a verdict that contradicts its rules does not parse
        }

        public static VerdictMessage of(Verdict verdict) {
            return new VerdictMessage(verdict.decision(), verdict.results().stream().map(r -> new Rule(r.rule(), r.status(), r.detail())).toList());
        }

        public Verdict toVerdict() {
            return verdictOf(decision, rules);
        }

        private static Verdict verdictOf(Verdict.Decision decision, List<Rule> rules) {
            return new Verdict(decision, rules.stream().map(r -> new RuleResult(r.rule(), r.status(), r.detail())).toList());
        }
    }
}
