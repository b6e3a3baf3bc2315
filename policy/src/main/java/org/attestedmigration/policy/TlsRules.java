package org.attestedmigration.policy;

import java.util.List;

/**
 * {@code tls.protocol}, {@code tls.cipherSuite}, {@code tls.exporter}: the attested channel's TLS
 * session meets the policy. Offline (no session) they are not applicable; such a verdict is
 * never used to open a channel.
 */
final class TlsRules implements PolicyRule {
    static final String PROTOCOL = "tls.protocol";
    static final String CIPHER_SUITE = "tls.cipherSuite";
    static final String EXPORTER = "tls.exporter";
    static final String TLS13 = "TLSv1.3";

    @Override
    public String id() {
        return "tls";
    }

    @Override
    public List<RuleResult> evaluate(RuleInput in) {
        if (in.context().tls().isEmpty()) {
            String offline = "no TLS session: evaluated offline";
            return List.of(RuleResult.notApplicable(PROTOCOL, offline), RuleResult.notApplicable(CIPHER_SUITE, offline),
                    RuleResult.notApplicable(EXPORTER, offline));
        }
        TlsSessionFacts tls = in.context().tls().get();
        TlsRequirements required = in.policy().tls();
        return List.of(protocol(tls), cipherSuite(tls, required), exporter(tls, required));
    }

    private static RuleResult protocol(TlsSessionFacts tls) {
        if (!TLS13.equals(tls.protocol())) {
            return RuleResult.fail(PROTOCOL, "the channel negotiated " + tls.protocol() + "; " + TLS13 + " is required");
        }
        return RuleResult.pass(PROTOCOL, TLS13);
    }

    private static RuleResult cipherSuite(TlsSessionFacts tls, TlsRequirements required) {
        if (!required.cipherSuites().contains(tls.cipherSuite())) {
            return RuleResult.fail(CIPHER_SUITE, "cipher suite " + tls.cipherSuite() + " is not allowed (allowed: "
                    + String.join(", ", required.cipherSuites()) + ")");
        }
        return RuleResult.pass(CIPHER_SUITE, tls.cipherSuite());
    }

    private static RuleResult exporter(TlsSessionFacts tls, TlsRequirements required) {
        if (tls.exporterBound()) {
            return RuleResult.pass(EXPORTER, "the quote binds the channel's TLS exporter value (RFC 9266)");
        }
        if (required.requireExporter()) {
            return RuleResult.fail(EXPORTER, "the policy requires the quote to bind the channel's TLS exporter value"
                    + " (RFC 9266), but this quote does not");
        }
        return RuleResult.pass(EXPORTER, "exporter binding not required by the policy (and not used)");
    }
}
