package org.attestedmigration.securechannel.mux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class StdioPipeTest {
    private final ExecutorService io = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "stdio-test");
        t.setDaemon(true);
        return t;
    });

    private final CommandAllowlist allowed = new CommandAllowlist(Map.of(
            "cat", List.of("cat"),
            "sha256sum", List.of("sha256sum"),
            "fail", List.of("sh", "-c", "cat >/dev/null; exit 3"),
            "count-is-million", List.of("sh", "-c", "test \"$(wc -c)\" -eq 1000000")));

    @AfterEach
    void stop() {
        io.shutdownNow();
    }

    private MuxHarness harness() throws Exception {
        return new MuxHarness(new StdioAcceptor(allowed, io));
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static byte[] run(StdioPipe pipe, byte[] input) throws Exception {
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
            try {
                return pipe.stdout().readAllBytes();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        try (OutputStream in = pipe.stdin()) {
            in.write(input);
        }
        return out.get(20, TimeUnit.SECONDS);
    }

    @Test
    void catReturnsItsInputAndExitStatusZero() throws Exception {
        try (MuxHarness h = harness()) {
            StdioPipe pipe = StdioPipe.open(h.client, "cat").get(5, TimeUnit.SECONDS);
            byte[] input = random(5_000_000);
            assertArrayEquals(input, run(pipe, input));
            assertEquals(0, pipe.exitStatus().get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void sha256sumSeesExactlyTheBytesSent() throws Exception {
        try (MuxHarness h = harness()) {
            StdioPipe pipe = StdioPipe.open(h.client, "sha256sum").get(5, TimeUnit.SECONDS);
            byte[] input = random(3_000_000);
            String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(input)) + "  -\n";
            assertEquals(expected, new String(run(pipe, input)));
            assertEquals(0, pipe.exitStatus().get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void nonZeroExitStatusIsCarriedBack() throws Exception {
        try (MuxHarness h = harness()) {
            StdioPipe pipe = StdioPipe.open(h.client, "fail").get(5, TimeUnit.SECONDS);
            assertEquals(0, run(pipe, random(1000)).length);
            assertEquals(3, pipe.exitStatus().get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void commandOutsideTheAllowlistIsRefused() throws Exception {
        try (MuxHarness h = harness()) {
            for (String name : List.of("rm", "sh", "cat /etc/passwd", "")) {
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> StdioPipe.open(h.client, name).get(5, TimeUnit.SECONDS));
                CloseReason reason = ((MuxException) e.getCause()).reason();
                assertEquals(ErrorCode.NOT_ALLOWED, reason.code());
                assertTrue(reason.message().contains("not allowed"), reason.message());
            }
            assertTrue(h.client.isOpen());
        }
    }

    @Test
    void localProcessIsPipedToTheRemoteCommand() throws Exception {
        try (MuxHarness h = harness()) {
            StdioPipe pipe = StdioPipe.open(h.client, "count-is-million").get(5, TimeUnit.SECONDS);
            StdioPipe.ExitStatuses st = pipe.pipeProcess(new ProcessBuilder("head", "-c", "1000000", "/dev/zero"), io)
                    .get(20, TimeUnit.SECONDS);
            assertEquals(new StdioPipe.ExitStatuses(0, 0), st);
        }
    }
}
