package org.attestedmigration.attestation.tpm2;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HexFormat;

/** Loads the swtpm-generated files under src/test/resources/tpm2 (see README.txt there). */
final class Fixtures {
    private Fixtures() {
    }

    static byte[] bytes(String path) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/tpm2/" + path)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource /tpm2/" + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String path) {
        return new String(bytes(path), java.nio.charset.StandardCharsets.US_ASCII);
    }

    static byte[] hex(String path) {
        return HexFormat.of().parseHex(text(path).strip());
    }

    /** One quote: the directory holds ak.*, and {prefix}quote.{msg,sig,pcrs} with its {prefix}nonce.hex. */
    record Quote(String dir, String prefix) {
        byte[] akTpm2b() {
            return bytes(dir + "/ak.pub");
        }

        String akPem() {
            return text(dir + "/ak.pem");
        }

        byte[] akName() {
            return bytes(dir + "/ak.name");
        }

        byte[] message() {
            return bytes(dir + "/" + prefix + "quote.msg");
        }

        byte[] signature() {
            return bytes(dir + "/" + prefix + "quote.sig");
        }

        byte[] pcrs() {
            return bytes(dir + "/" + prefix + "quote.pcrs");
        }

        byte[] nonce() {
            return hex(dir + "/" + prefix + "nonce.hex");
        }

        String path(String file) {
            return dir + "/" + prefix + file;
        }

        @Override
        public String toString() {
            return dir + "/" + prefix + "quote";
        }
    }

    static Quote[] quotes() {
        return new Quote[] {new Quote("rsa", ""), new Quote("rsapss", ""), new Quote("ecc", ""), new Quote("rsa", "multi-")};
    }
}
