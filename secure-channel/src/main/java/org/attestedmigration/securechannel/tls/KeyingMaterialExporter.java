package org.attestedmigration.securechannel.tls;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Optional;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

/**
 * The RFC 9266 {@code tls-exporter} channel binding (label "EXPORTER-Channel-Binding", empty
 * context, 32 bytes), where the runtime offers it. SunJSSE exports keying material only from
 * Java 25 ({@code ExtendedSSLSession.exportKeyingMaterialData}); the build targets 17, so the
 * method is looked up at run time. BoringSSL through netty-tcnative has no Java API for it, so
 * there the value is absent and the quote binds the certificate's public key alone.
 */
public final class KeyingMaterialExporter {
    public static final String LABEL = "EXPORTER-Channel-Binding";
    public static final int LENGTH = 32;
    private static final Optional<Method> EXPORT = lookup();

    private KeyingMaterialExporter() {
    }

    private static Optional<Method> lookup() {
        try {
            return Optional.of(ExtendedSSLSession.class.getMethod("exportKeyingMaterialData", String.class, byte[].class, int.class));
        } catch (NoSuchMethodException e) {
            return Optional.empty();
        }
    }

    /** Whether this runtime's JDK engine can export at all. */
    public static boolean runtimeSupportsExport() {
        return EXPORT.isPresent();
    }

    /** The exporter value of the engine's established session, or empty when it cannot be had. */
    static Optional<byte[]> channelBinding(SSLEngine engine) {
        if (EXPORT.isEmpty()) {
            return Optional.empty();
        }
        SSLSession session = engine.getSession();
        if (!(session instanceof ExtendedSSLSession)) {
            return Optional.empty();
        }
        try {
            Object value = EXPORT.get().invoke(session, LABEL, new byte[0], LENGTH);
            return value instanceof byte[] bytes && bytes.length == LENGTH ? Optional.of(bytes) : Optional.empty();
        } catch (IllegalAccessException | InvocationTargetException | RuntimeException e) {
            // Sessions of other providers (Netty's OpenSSL one) inherit the default that refuses.
            return Optional.empty();
        }
    }
}
