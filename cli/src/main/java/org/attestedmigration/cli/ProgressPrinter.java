package org.attestedmigration.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of a long operation: on a terminal one line redrawn in place (phase, percent, rate,
 * ETA), otherwise — and always with {@code --json} — one JSON object per update. Updates closer
 * than {@code minIntervalMs} are dropped, except phase changes.
 */
public final class ProgressPrinter {
    private final PrintWriter out;
    private final boolean json;
    private final boolean terminal;
    private final long minIntervalNanos;
    private long lastPrinted;
    private String lastPhase = "";
    private boolean lineOpen;

    public ProgressPrinter(PrintWriter out, boolean json, long minIntervalMs) {
        this.out = out;
        this.json = json;
        this.terminal = !json && System.console() != null;
        this.minIntervalNanos = minIntervalMs * 1_000_000L;
    }

    /**
     * @param done  units done so far (bytes)
     * @param total units in all, 0 when unknown
     * @param rate  units per second, recent
     */
    public synchronized void update(String operation, String phase, long done, long total, double rate, String detail) {
        long now = System.nanoTime();
        boolean phaseChanged = !phase.equals(lastPhase);
        if (!phaseChanged && now - lastPrinted < minIntervalNanos) {
            return;
        }
        lastPrinted = now;
        lastPhase = phase;
        double percent = total > 0 ? Math.min(100.0, 100.0 * done / total) : 0;
        long etaSeconds = rate > 0 && total > done ? (long) ((total - done) / rate) : 0;
        if (json) {
            out.println(Json.write(Json.object().put("operation", operation).put("phase", phase).put("done", done).put("total", total)
                    .put("percent", Math.round(percent * 10) / 10.0).put("bytesPerSecond", Math.round(rate)).put("etaSeconds", etaSeconds)
                    .put("detail", detail)));
        } else {
            String line = String.format(Locale.ROOT, "%-10s %-12s %5.1f%%  %8.1f MB/s  ETA %3ds  %s", operation, phase, percent, rate / 1e6,
                    etaSeconds, detail);
            if (terminal) {
                out.print("\r" + line + "\u001b[K");
                lineOpen = true;
                if (phaseChanged) {
                    out.println();
                    lineOpen = false;
                }
            } else {
                out.println(line);
            }
        }
        out.flush();
    }

    /** Ends a redrawn line so that the next output starts on its own line. */
    public synchronized void finish() {
        if (lineOpen) {
            out.println();
            lineOpen = false;
        }
        out.flush();
    }
}
