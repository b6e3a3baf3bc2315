package org.attestedmigration.securechannel.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Offers the connection's one ephemeral EC key to whichever engine asks. The engine-specific
 * key-manager factories (SunX509, PKIX) would need a key store; this avoids one, and answers
 * both the JDK engine (which passes "EC") and BoringSSL through Netty ("EC", "EC_EC", ...).
 */
final class SingleKeyManager extends X509ExtendedKeyManager {
    static final String ALIAS = "ephemeral";
    private final EphemeralIdentity identity;

    SingleKeyManager(EphemeralIdentity identity) {
        this.identity = identity;
    }

    private static boolean ec(String keyType) {
        return keyType != null && keyType.startsWith("EC");
    }

    private static String aliasFor(String[] keyTypes) {
        return keyTypes != null && Arrays.stream(keyTypes).anyMatch(SingleKeyManager::ec) ? ALIAS : null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return ec(keyType) ? new String[] {ALIAS} : null;
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return aliasFor(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return ec(keyType) ? new String[] {ALIAS} : null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return ec(keyType) ? ALIAS : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return ec(keyType) ? ALIAS : null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? new X509Certificate[] {identity.certificate()} : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ALIAS.equals(alias) ? identity.privateKey() : null;
    }
}
