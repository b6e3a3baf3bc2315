package org.attestedmigration.securechannel.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Prepared TLS material is still one fresh identity per connection, handed out once. */
class PreparedTlsTest {
    @Test
    void everyConnectionGetsItsOwnFreshIdentity() throws Exception {
        try (PreparedTls prepared = PreparedTls.using(TlsContexts.using(TlsEngine.JDK, new SecureRandom(), Duration.ofSeconds(5)))) {
            Set<String> keys = new HashSet<>();
            for (int i = 0; i < 12; i++) {
                if (i % 3 == 0) {
                    Thread.sleep(30); // let the next one be prepared, so both paths (ready, not ready) are taken
                }
                ConnectionTls client = prepared.client();
                ConnectionTls server = prepared.server();
                assertTrue(client.isClient());
                assertFalse(server.isClient());
                assertTrue(keys.add(java.util.HexFormat.of().formatHex(client.identity().publicKeySha256())), "a client key was handed out twice");
                assertTrue(keys.add(java.util.HexFormat.of().formatHex(server.identity().publicKeySha256())), "a server key was handed out twice");
            }
            assertEquals(24, keys.size());
        }
    }

    @Test
    void preparedMaterialServesOneConnectionOnly() throws Exception {
        try (PreparedTls prepared = PreparedTls.using(TlsContexts.using(TlsEngine.JDK, new SecureRandom(), Duration.ofSeconds(5)))) {
            Thread.sleep(50);
            ConnectionTls tls = prepared.client();
            tls.newHandler(ByteBufAllocator.DEFAULT);
            assertThrows(IllegalStateException.class, () -> tls.newHandler(ByteBufAllocator.DEFAULT));
        }
    }

    @Test
    void afterCloseItStillMakesMaterialOnDemand() {
        PreparedTls prepared = PreparedTls.using(TlsContexts.using(TlsEngine.JDK, new SecureRandom(), Duration.ofSeconds(5)));
        prepared.close();
        assertTrue(prepared.client().isClient());
    }
}
