package org.attestedmigration.migrationcore.simvm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * One JSON object a line, both directions of the control socket. Reading is bounded, so a peer
 * that sends an endless line costs a malformed-request answer, not the process's memory.
 */
final class JsonLines {
    /** What {@link #read} returns for a line longer than {@link ControlProtocol#MAX_LINE} (its bytes are skipped). */
    static final String TOO_LONG = new String("(line too long)");

    private final InputStream in;
    private final OutputStream out;

    JsonLines(InputStream in, OutputStream out) {
        this.in = in;
        this.out = out;
    }

    /** The next line without its newline, {@link #TOO_LONG}, or null at the end of the stream. */
    String read() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        boolean tooLong = false;
        byte[] one = new byte[1];
        while (true) {
            int n = in.read(one, 0, 1);
            if (n < 0) {
                return line.size() == 0 && !tooLong ? null : tooLong ? TOO_LONG : line.toString(StandardCharsets.UTF_8);
            }
            if (n == 0) {
                continue;
            }
            if (one[0] == '\n') {
                return tooLong ? TOO_LONG : line.toString(StandardCharsets.UTF_8);
            }
            if (line.size() >= ControlProtocol.MAX_LINE) {
                tooLong = true;
            } else {
                line.write(one[0]);
            }
        }
    }

    /** Writes one line; several threads may send. */
    synchronized void send(JsonNode message) throws IOException {
        byte[] bytes;
        try {
            bytes = ControlProtocol.JSON.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new IOException("cannot encode a control message", e);
        }
        out.write(bytes);
        out.write('\n');
        out.flush();
    }
}
