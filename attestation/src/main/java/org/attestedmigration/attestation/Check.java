package org.attestedmigration.attestation;

/** The checks of evidence verification, in the order the {@link Verifier} runs them. */
public enum Check {
    QUOTE_STRUCTURE("the quote (TPMS_ATTEST) parses and is a TPM-generated quote"),
    SIGNATURE_STRUCTURE("the signature (TPMT_SIGNATURE) parses"),
    AK_STRUCTURE("the attestation key's public area (TPMT_PUBLIC) parses and holds a usable key"),
    AK_ATTRIBUTES("the attestation key is a restricted signing key that cannot leave its TPM (fixedTPM, fixedParent, sensitiveDataOrigin)"),
    AK_TRUSTED("the attestation key is the one this verifier trusts"),
    SIGNATURE("the quote is signed by the attestation key"),
    NONCE("the quote's extraData is the expected nonce binding"),
    PCR_SELECTION("the quote covers the required PCRs"),
    PCR_VALUES("the reported PCR values hash to the quoted PCR digest"),
    MEASURED_LAUNCH("PCR 17 shows a completed dynamic launch (not all-FF, not zero)"),
    EVENT_LOG_STRUCTURE("the event log parses (TCG crypto-agile format)"),
    EVENT_LOG_REPLAY("replaying the event log gives the quoted PCR values"),
    EK_CERTIFICATE("the endorsement key certificate chains to a trusted TPM manufacturer"),
    AK_ACTIVATION("the attestation key lives in the same TPM as the certified endorsement key (credential activation)");

    private final String description;

    Check(String description) {
        this.description = description;
    }

    /** What the check establishes, for messages and documentation. */
    public String description() {
        return description;
    }
}
