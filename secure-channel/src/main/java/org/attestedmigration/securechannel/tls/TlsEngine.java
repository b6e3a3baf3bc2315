package org.attestedmigration.securechannel.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

/**
 * Which TLS implementation runs the channel. BoringSSL (through netty-tcnative) is preferred for
 * the bulk path; the JDK engine is the fallback where the native library does not load. The
 * choice is explicit so that it can be reported, never silent.
 */
public enum TlsEngine {
    /** BoringSSL through netty-tcnative. */
    OPENSSL(SslProvider.OPENSSL),
    /** The JDK's own SSLEngine (SunJSSE). */
    JDK(SslProvider.JDK);

    private final SslProvider provider;

    TlsEngine(SslProvider provider) {
        this.provider = provider;
    }

    SslProvider provider() {
        return provider;
    }

    /** BoringSSL when it loaded and speaks TLS 1.3, else the JDK engine. */
    public static TlsEngine preferred() {
        return OpenSsl.isAvailable() && OpenSsl.isCipherSuiteAvailable("TLS_AES_128_GCM_SHA256") ? OPENSSL : JDK;
    }

    /** Why BoringSSL is not used, for the report; empty when it is available. */
    public static String openSslUnavailability() {
        Throwable cause = OpenSsl.unavailabilityCause();
        return cause == null ? "" : String.valueOf(cause.getMessage());
    }
}
