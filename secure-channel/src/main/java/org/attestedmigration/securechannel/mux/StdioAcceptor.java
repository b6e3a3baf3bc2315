package org.attestedmigration.securechannel.mux;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The receiving end of STDIO streams: starts the allowlisted command named in the OPEN metadata
 * ({@code command}), pipes the stream into its stdin and its stdout into the stream, and half-closes with
 * the trailer {@code exit-status} once stdout has ended and the process exited. Its stderr is discarded.
 * A reset from the peer kills the process. Blocking process I/O runs on {@code io}, never the event loop.
 */
public final class StdioAcceptor implements StreamAcceptor {
    /** OPEN metadata key naming the command. */
    public static final String COMMAND = "command";
    /** CLOSE trailer key carrying the exit status. */
    public static final String EXIT_STATUS = "exit-status";

    private final CommandAllowlist allowlist;
    private final Executor io;

    /** @param io runs two blocking copy tasks per command; it must not be bounded below that */
    public StdioAcceptor(CommandAllowlist allowlist, Executor io) {
        this.allowlist = Objects.requireNonNull(allowlist, "allowlist");
        this.io = Objects.requireNonNull(io, "io");
    }

    @Override
    public void onOpen(IncomingStream in) {
        String name = in.metadata().getOrDefault(COMMAND, "");
        List<String> argv = allowlist.argv(name).orElse(null);
        if (argv == null) {
            in.reject(ErrorCode.NOT_ALLOWED, "command '" + name + "' is not allowed");
            return;
        }
        Process process;
        try {
            process = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            in.reject(ErrorCode.REFUSED, "command '" + name + "' could not start: " + e.getMessage());
            return;
        }
        MuxStream stream = in.accept();
        stream.onClose(reason -> {
            if (!reason.isClean()) {
                process.destroyForcibly();
            }
        });
        InputStream fromPeer = stream.inputStream();
        CompletableFuture.runAsync(() -> copyToStdin(fromPeer, process), io);
        CompletableFuture.runAsync(() -> copyFromStdout(process, stream), io);
    }

    private static void copyToStdin(InputStream fromPeer, Process process) {
        try (fromPeer; OutputStream stdin = process.getOutputStream()) {
            fromPeer.transferTo(stdin);
        } catch (IOException e) {
            // The process stopped reading (exited or closed stdin); the rest of the input is discarded.
        }
    }

    private static void copyFromStdout(Process process, MuxStream stream) {
        try {
            OutputStream toPeer = stream.outputStream();
            try (InputStream stdout = process.getInputStream()) {
                stdout.transferTo(toPeer);
            }
            toPeer.flush();
            int status = process.waitFor();
            stream.closeWrite(Map.of(EXIT_STATUS, Integer.toString(status)));
        } catch (IOException e) {
            process.destroyForcibly();
            stream.reset(ErrorCode.CANCEL, "command output failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            stream.reset(ErrorCode.CANCEL, "interrupted");
        }
    }
}
