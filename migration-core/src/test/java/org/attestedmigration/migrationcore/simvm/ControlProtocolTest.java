package org.attestedmigration.migrationcore.simvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control socket of a sim-vm, in this JVM (an incoming guest of 4 MiB, so no disk is needed):
 * whatever a client sends, the answer is a typed error line and the guest is unharmed.
 */
class ControlProtocolTest {
    @TempDir
    Path dir;
    private SimVmGuest guest;
    private ControlServer server;
    private final AtomicInteger finished = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        guest = SimVmGuest.start(SimVmCommandLine.parse(List.of("--name", "g1", "--control", dir.resolve("c.sock").toString(),
                "--incoming", "--memory-mib", "4")));
        server = ControlServer.start(dir.resolve("c.sock"), guest, finished::incrementAndGet);
    }

    @AfterEach
    void stop() {
        server.close();
        guest.stop();
    }

    /** A raw client: lines in, lines out. */
    private final class Client implements AutoCloseable {
        final SocketChannel ch;
        final BufferedReader in;
        final OutputStream out;

        Client() throws IOException {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(dir.resolve("c.sock")));
            in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            out = Channels.newOutputStream(ch);
        }

        JsonNode read() throws IOException {
            String line = in.readLine();
            return line == null ? null : ControlProtocol.JSON.readTree(line);
        }

        JsonNode ask(String line) throws IOException {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return read();
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    @Test
    void greetsAndAnswersStatusWithTheRequestId() throws Exception {
        try (Client c = new Client()) {
            JsonNode hello = c.read();
            assertEquals("g1", hello.path("greeting").path("vm").asText());
            assertEquals(ProcessHandle.current().pid(), hello.path("greeting").path("pid").asLong());
            JsonNode status = c.ask("{\"execute\":\"status\",\"id\":\"abc\"}");
            assertEquals("abc", status.path("id").asText());
            assertEquals("PREPARED", status.path("return").path("state").asText());
        }
    }

    @Test
    void malformedLinesAreTypedErrorsAndChangeNothing() throws Exception {
        try (Client c = new Client()) {
            c.read();
            assertEquals(ControlError.MALFORMED, errorClass(c.ask("not json at all")));
            assertEquals(ControlError.MALFORMED, errorClass(c.ask("[1,2,3]")));
            assertEquals(ControlError.MALFORMED, errorClass(c.ask("{\"id\":7}")), "no execute");
            assertEquals(ControlError.MALFORMED, errorClass(c.ask("{\"execute\":42,\"id\":7}")), "execute is not a name");
            JsonNode badArgs = c.ask("{\"execute\":\"status\",\"arguments\":[1],\"id\":8}");
            assertEquals(ControlError.MALFORMED, errorClass(badArgs));
            assertEquals(8, badArgs.path("id").asInt(), "the id is echoed when it could be read");
            assertEquals(ControlError.MALFORMED, errorClass(c.ask("{\"execute\":\"status\"," + "x".repeat(ControlProtocol.MAX_LINE) + "}")),
                    "an endless line is refused, not buffered");
            assertEquals(ControlError.INVALID_ARGUMENT, errorClass(c.ask("{\"execute\":\"resume\",\"arguments\":{\"token\":\"%%\"},\"id\":9}")));
            assertEquals(ControlError.INVALID_ARGUMENT, errorClass(c.ask("{\"execute\":\"receive\",\"arguments\":{},\"id\":10}")));
            assertEquals(ControlError.INVALID_ARGUMENT, errorClass(c.ask("{\"execute\":\"abort\",\"arguments\":{\"reason\":5},\"id\":11}")));
            assertEquals("PREPARED", c.ask("{\"execute\":\"status\",\"id\":12}").path("return").path("state").asText(),
                    "the guest is untouched");
        }
        assertEquals(0, finished.get(), "nothing ended the process");
    }

    @Test
    void unknownCommandsAndCommandsForTheWrongStateAreRefusedWithTheirClass() throws Exception {
        try (Client c = new Client()) {
            c.read();
            JsonNode unknown = c.ask("{\"execute\":\"reboot\",\"id\":1}");
            assertEquals(ControlError.COMMAND_NOT_FOUND, errorClass(unknown));
            assertTrue(unknown.path("error").path("desc").asText().contains("reboot"));
            JsonNode cont = c.ask("{\"execute\":\"continue\",\"id\":2}");
            assertEquals(ControlError.VM_STATE, errorClass(cont), "nothing is paused");
            assertEquals("PREPARED", cont.path("error").path("state").asText());
            assertEquals(ControlError.VM_STATE, errorClass(c.ask("{\"execute\":\"stop-and-copy\",\"id\":3}")), "no migration to stop");
            assertEquals(ControlError.VM_STATE, errorClass(c.ask("{\"execute\":\"migrate-out\",\"arguments\":{\"stream\":\"/nonexistent\","
                    + "\"settings\":{\"precopyDeadlineMillis\":1000,\"convergedBytes\":0,\"maxRounds\":3,\"stalledRounds\":1,"
                    + "\"ioTimeoutMillis\":1000,\"stopAndCopyTimeoutMillis\":1000}},\"id\":4}")), "an incoming VM does not migrate out");
        }
    }

    @Test
    void oneClientAtATimeAndALeavingClientLeavesTheGuestRunning() throws Exception {
        try (Client first = new Client()) {
            first.read();
            try (Client second = new Client()) {
                JsonNode refused = second.read();
                assertEquals(ControlError.BUSY, errorClass(refused));
                assertEquals(null, second.read(), "the second client is closed");
            }
            assertEquals("PREPARED", first.ask("{\"execute\":\"status\",\"id\":1}").path("return").path("state").asText());
        }
        // The first client left: the next one is served.
        JsonNode status = null;
        for (int i = 0; i < 100 && status == null; i++) {
            try (Client again = new Client()) {
                JsonNode hello = again.read();
                if (hello.has("greeting")) {
                    status = again.ask("{\"execute\":\"status\",\"id\":2}");
                } else {
                    Thread.sleep(20);
                }
            }
        }
        assertEquals("PREPARED", status.path("return").path("state").asText());
    }

    @Test
    void destroyingTheIncomingGuestEndsTheProcessAfterTheAnswer() throws Exception {
        try (Client c = new Client()) {
            c.read();
            JsonNode answer = c.ask("{\"execute\":\"destroy\",\"id\":1}");
            assertTrue(answer.has("return"), answer.toString());
            assertTrue(guest.finished());
            assertEquals(1, finished.get(), "the process is told to end");
            assertFalse(c.ask("{\"execute\":\"status\",\"id\":2}").path("return").path("state").asText().isEmpty());
        }
    }

    private static String errorClass(JsonNode answer) {
        return answer.path("error").path("class").asText("(no error: " + answer + ")");
    }
}
