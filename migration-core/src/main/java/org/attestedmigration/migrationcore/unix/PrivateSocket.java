package org.attestedmigration.migrationcore.unix;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A unix domain socket only its owner may connect to (mode 0600): the agent's admin socket and a
 * guest process's control and memory sockets, where whoever can connect can move or stop a VM.
 */
public final class PrivateSocket {
    private PrivateSocket() {
    }

    /**
     * Binds a listening socket at {@code path} (its directory is created) and restricts it to its
     * owner; nothing is left bound if that fails. A file already at {@code path} is the caller's to remove.
     */
    public static ServerSocketChannel bind(Path path) throws IOException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            return server;
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e instanceof IOException io ? io : new IOException("socket " + path + ": " + e.getMessage(), e);
        }
    }
}
