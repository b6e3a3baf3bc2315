package org.attestedmigration.securechannel.mux;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * The opening end of a STDIO stream: a command running on the peer (one of its {@link CommandAllowlist}
 * names), reachable through blocking streams, with its exit status. {@link #pipeProcess} wires a local
 * process to it instead.
 */
public final class StdioPipe {
    /** Exit statuses of a local process piped to a remote command. */
    public record ExitStatuses(int local, int remote) {
    }

    private final MuxStream stream;
    private final InputStream stdout;
    private final OutputStream stdin;

    private StdioPipe(MuxStream stream) {
        this.stream = stream;
        this.stdout = stream.inputStream();
        this.stdin = stream.outputStream();
    }

    /** Asks the peer to start {@code command}; fails with {@link MuxException} (e.g. NOT_ALLOWED) if it refuses. */
    public static CompletableFuture<StdioPipe> open(MuxSession session, String command) {
        return session.open(StreamKind.STDIO, Map.of(StdioAcceptor.COMMAND, command)).thenApply(StdioPipe::new);
    }

    /** The remote command's stdin; closing it sends end of input. Blocking. */
    public OutputStream stdin() {
        return stdin;
    }

    /** The remote command's stdout. Blocking. */
    public InputStream stdout() {
        return stdout;
    }

    /** The remote exit status, once its output ended; fails with {@link MuxException} if the stream broke. */
    public CompletableFuture<Integer> exitStatus() {
        return stream.remoteTrailers().thenApply(t -> {
            String s = t.get(StdioAcceptor.EXIT_STATUS);
            if (s == null) {
                throw new CompletionException(new MuxException(
                        CloseReason.remote(ErrorCode.PROTOCOL_ERROR, "STDIO stream ended without an exit status")));
            }
            return Integer.parseInt(s);
        });
    }

    /** Kills the remote command. */
    public void cancel(String reason) {
        stream.reset(reason);
    }

    /**
     * Starts {@code local} and connects it crosswise: its stdout feeds the remote command's stdin, the remote
     * stdout feeds its stdin. Completes with both exit statuses. Blocking copies run on {@code io}.
     */
    public CompletableFuture<ExitStatuses> pipeProcess(ProcessBuilder local, Executor io) {
        Process p;
        try {
            p = local.start();
        } catch (IOException e) {
            cancel("local process failed to start");
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Void> up = CompletableFuture.runAsync(() -> copy(p.getInputStream(), stdin), io);
        CompletableFuture<Void> down = CompletableFuture.runAsync(() -> copyToLocalStdin(p.getOutputStream()), io);
        return up.thenCombine(exitStatus(), (v, remote) -> remote)
                .thenCombine(down, (remote, v) -> remote)
                .thenApplyAsync(remote -> {
                    try {
                        return new ExitStatuses(p.waitFor(), remote);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new CompletionException(e);
                    }
                }, io)
                .whenComplete((r, e) -> {
                    if (e != null) {
                        p.destroyForcibly();
                    }
                });
    }

    /** A local process may exit without reading all its input; the remainder is then discarded, not an error. */
    private void copyToLocalStdin(OutputStream localStdin) {
        try (InputStream from = stdout; localStdin) {
            from.transferTo(localStdin);
        } catch (IOException e) {
            // Remote failures surface through exitStatus(); a closed local stdin just ends this direction.
        }
    }

    private static void copy(InputStream from, OutputStream to) {
        try (from; to) {
            from.transferTo(to);
        } catch (IOException e) {
            throw new CompletionException(e);
        }
    }
}
