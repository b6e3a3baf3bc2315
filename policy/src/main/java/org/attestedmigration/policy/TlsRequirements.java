package org.attestedmigration.policy;

import java.util.List;

/**
 * What the attested channel must use: TLS 1.3 (nothing older is accepted by this product), the
 * allowed cipher suites, and whether the quote must also bind the RFC 9266 exporter value.
 */
public record TlsRequirements(List<String> cipherSuites, boolean requireExporter) {
    public static final List<String> TLS13_SUITES = List.of("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256");
    public static final TlsRequirements DEFAULT = new TlsRequirements(TLS13_SUITES, false);

    public TlsRequirements {
        cipherSuites = List.copyOf(cipherSuites);
    }
}
