package org.attestedmigration.securechannel.mux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class PortForwardTest {
    private ServerSocket echo;

    /** A plain echo server that answers until the client half-closes, then half-closes too. */
    @BeforeEach
    void startEcho() throws IOException {
        echo = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    new Thread(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            in.transferTo(out);
                            s.shutdownOutput();
                        } catch (IOException ignored) {
                            // the test notices through its own socket
                        }
                    }).start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
    }

    @AfterEach
    void stopEcho() throws IOException {
        echo.close();
    }

    @Test
    void forwardsToAnAllowedTargetWithHalfClose() throws Exception {
        String target = "127.0.0.1:" + echo.getLocalPort();
        MuxHarness[] holder = new MuxHarness[1];
        LinkedBlockingQueue<CloseReason> failures = new LinkedBlockingQueue<>();
        try (MuxHarness h = new MuxHarness(MuxConfig.defaults(), StreamAcceptor.rejectAll(),
                in -> new PortForwardAcceptor(ForwardAllowlist.of(target), holder[0].group, 5000).onOpen(in))) {
            holder[0] = h;
            try (PortForwarder fwd = PortForwarder.listen(h.client, h.group, new InetSocketAddress("127.0.0.1", 0),
                    "127.0.0.1", echo.getLocalPort(), (addr, reason) -> failures.add(reason))) {
                CompletableFuture<?>[] conns = new CompletableFuture<?>[3];
                for (int i = 0; i < conns.length; i++) {
                    int seed = i;
                    conns[i] = CompletableFuture.runAsync(() -> echoThrough(fwd.localAddress(), 3_000_000, seed));
                }
                CompletableFuture.allOf(conns).get(30, TimeUnit.SECONDS);
            }
            assertTrue(failures.isEmpty(), "no failures: " + failures);
            assertTrue(h.client.isOpen());
        }
    }

    private static void echoThrough(InetSocketAddress addr, int size, int seed) {
        byte[] payload = new byte[size];
        new Random(seed).nextBytes(payload);
        try (Socket s = new Socket(addr.getAddress(), addr.getPort())) {
            CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
                try {
                    return s.getInputStream().readAllBytes(); // EOF only after the echo half-closed
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            s.getOutputStream().write(payload);
            s.shutdownOutput();
            assertArrayEquals(payload, back.get(20, TimeUnit.SECONDS));
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    void disallowedTargetIsRejectedAndTheLocalConnectionClosed() throws Exception {
        LinkedBlockingQueue<CloseReason> failures = new LinkedBlockingQueue<>();
        MuxHarness[] holder = new MuxHarness[1];
        try (MuxHarness h = new MuxHarness(MuxConfig.defaults(), StreamAcceptor.rejectAll(),
                in -> new PortForwardAcceptor(ForwardAllowlist.of("127.0.0.1:1"), holder[0].group, 5000).onOpen(in))) {
            holder[0] = h;
            try (PortForwarder fwd = PortForwarder.listen(h.client, h.group, new InetSocketAddress("127.0.0.1", 0),
                    "127.0.0.1", echo.getLocalPort(), (addr, reason) -> failures.add(reason));
                 Socket s = new Socket("127.0.0.1", fwd.localAddress().getPort())) {
                s.setSoTimeout(5000);
                assertEquals(-1, s.getInputStream().read(), "local connection closed");
                CloseReason reason = failures.poll(5, TimeUnit.SECONDS);
                assertEquals(ErrorCode.NOT_ALLOWED, reason.code());
                assertTrue(reason.message().contains("127.0.0.1:" + echo.getLocalPort()), reason.message());
                assertTrue(reason.byPeer());
            }
            assertTrue(h.client.isOpen() && h.server.isOpen(), "a refused forward does not hurt the session");
        }
    }

    @Test
    void unreachableAllowedTargetReportsConnectFailure() throws Exception {
        int deadPort;
        try (ServerSocket tmp = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            deadPort = tmp.getLocalPort();
        }
        MuxHarness[] holder = new MuxHarness[1];
        try (MuxHarness h = new MuxHarness(MuxConfig.defaults(), StreamAcceptor.rejectAll(),
                in -> new PortForwardAcceptor(ForwardAllowlist.of("127.0.0.1:" + deadPort), holder[0].group, 5000).onOpen(in))) {
            holder[0] = h;
            var e = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> h.client.open(StreamKind.PORT_FORWARD, Map.of("host", "127.0.0.1", "port", "" + deadPort))
                            .get(10, TimeUnit.SECONDS));
            assertEquals(ErrorCode.CONNECT_FAILED, ((MuxException) e.getCause()).reason().code());
        }
    }
}
