package org.attestedmigration.attestation;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Where a TPM is reached: {@code swtpm://HOST:PORT} (swtpm's data port; its control port is
 * PORT+1), {@code mssim://HOST:PORT} (IBM's tpm_server or the Microsoft simulator; platform port
 * PORT+1) or {@code device:///dev/tpmrm0} (a hardware TPM through the kernel resource manager).
 */
public record TpmUri(Kind kind, String host, int port, Path devicePath) {

    /** The three ways this project talks to a TPM. */
    public enum Kind { SWTPM, MSSIM, DEVICE }

    public static TpmUri swtpm(String host, int port) {
        return new TpmUri(Kind.SWTPM, host, port, null);
    }

    /** @throws IllegalArgumentException naming what is wrong with the text */
    public static TpmUri parse(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("TPM URI '" + text + "' is not a URI: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        switch (scheme) {
            case "swtpm", "mssim" -> {
                if (uri.getHost() == null || uri.getPort() <= 0 || uri.getPort() >= 65535) {
                    throw new IllegalArgumentException("TPM URI '" + text + "' needs HOST:PORT with a port below 65535, e.g. "
                            + scheme + "://127.0.0.1:2321");
                }
                return new TpmUri(scheme.equals("swtpm") ? Kind.SWTPM : Kind.MSSIM, uri.getHost(), uri.getPort(), null);
            }
            case "device" -> {
                if (uri.getPath() == null || uri.getPath().isEmpty()) {
                    throw new IllegalArgumentException("TPM URI '" + text + "' needs a device path, e.g. device:///dev/tpmrm0");
                }
                return new TpmUri(Kind.DEVICE, null, 0, Path.of(uri.getPath()));
            }
            default -> throw new IllegalArgumentException("TPM URI '" + text
                    + "' has an unknown scheme; use swtpm://HOST:PORT, mssim://HOST:PORT or device:///dev/tpmrm0");
        }
    }

    @Override
    public String toString() {
        return switch (kind) {
            case SWTPM -> "swtpm://" + host + ":" + port;
            case MSSIM -> "mssim://" + host + ":" + port;
            case DEVICE -> "device://" + devicePath;
        };
    }
}
