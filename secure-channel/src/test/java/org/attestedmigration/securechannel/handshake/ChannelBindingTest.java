package org.attestedmigration.securechannel.handshake;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ChannelBindingTest {
    private static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }

    @Test
    void isTheSha256OfLabelNonceKeyHashAndExporter() throws Exception {
        byte[] nonce = filled(32, 1);
        byte[] key = filled(32, 2);
        byte[] exporter = filled(32, 3);
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        in.write("attested-migration channel v1".getBytes(StandardCharsets.US_ASCII));
        in.write(nonce);
        in.write(key);
        byte[] withoutExporter = MessageDigest.getInstance("SHA-256").digest(in.toByteArray());
        in.write(exporter);
        byte[] withExporter = MessageDigest.getInstance("SHA-256").digest(in.toByteArray());
        assertArrayEquals(withoutExporter, ChannelBinding.extraData(nonce, key, Optional.empty()));
        assertArrayEquals(withExporter, ChannelBinding.extraData(nonce, key, Optional.of(exporter)));
        assertEquals(32, withExporter.length, "fits a quote's 64-byte extraData");
    }

    @Test
    void everyInputChangesTheBinding() {
        byte[] base = ChannelBinding.extraData(filled(32, 1), filled(32, 2), Optional.empty());
        assertFalse(Arrays.equals(base, ChannelBinding.extraData(filled(32, 9), filled(32, 2), Optional.empty())), "another nonce: replay");
        assertFalse(Arrays.equals(base, ChannelBinding.extraData(filled(32, 1), filled(32, 9), Optional.empty())), "another TLS key: relay");
        assertFalse(Arrays.equals(base, ChannelBinding.extraData(filled(32, 1), filled(32, 2), Optional.of(filled(32, 0)))));
    }

    @Test
    void refusesMalformedInputs() {
        assertThrows(IllegalArgumentException.class, () -> ChannelBinding.extraData(new byte[16], new byte[32], Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> ChannelBinding.extraData(new byte[32], new byte[20], Optional.empty()));
    }
}
