package org.attestedmigration.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The channel benchmark's yardsticks, measured in the same run: the same bytes through an OpenSSL
 * TLS 1.3 pipe (socat) and through ssh, by the script shipped in this jar
 * ({@code scripts/bench-baselines.sh} in the repository).
 */
public final class Baselines {
    /** One transport's figure, or why it was skipped. */
    public record Figure(String transport, long bytes, double seconds, double megabytesPerSecond, String skipped) {
    }

    private Baselines() {
    }

    public static List<Figure> measure(Path dir, long bytes) throws IOException, InterruptedException {
        Path script = dir.resolve("bench-baselines.sh");
        try (InputStream in = Baselines.class.getResourceAsStream("bench-baselines.sh")) {
            if (in == null) {
                return List.of(new Figure("baselines", bytes, 0, 0, "the baseline script is not in this build"));
            }
            Files.write(script, in.readAllBytes());
        }
        Process p = new ProcessBuilder("bash", script.toString(), Long.toString(bytes)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return List.of(new Figure("baselines", bytes, 0, 0, "timed out"));
        }
        List<Figure> figures = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : out.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = json.readTree(line);
            figures.add(new Figure(n.path("transport").asText(), n.path("bytes").asLong(bytes), n.path("seconds").asDouble(),
                    n.path("MBps").asDouble(), n.has("skipped") ? n.get("skipped").asText() : null));
        }
        if (figures.isEmpty()) {
            figures.add(new Figure("baselines", bytes, 0, 0, "the script failed (exit " + p.exitValue() + "); are socat and openssl installed?"));
        }
        return figures;
    }
}
