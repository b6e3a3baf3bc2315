package org.attestedmigration.migrationcore.transport;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.attestedmigration.migrationcore.disk.ChunkLayout;
import org.attestedmigration.migrationcore.replication.ChunkReceiver;
import org.attestedmigration.securechannel.mux.MuxStream;

/**
 * The destination's end of {@link StreamChunkTransport}: reads requests from the stream, applies
 * them to the {@link ChunkReceiver} (the destination disk and its journal), and answers each one.
 * A malformed request or a receiver error answers ERROR; a broken stream stops the service and
 * leaves the disk and journal as the last acknowledged state.
 */
public final class ChunkService {
    private static final Logger LOG = Logger.getLogger(ChunkService.class.getName());

    private final ChunkReceiver receiver;
    private final MuxStream stream;

    private ChunkService(ChunkReceiver receiver, MuxStream stream) {
        this.receiver = receiver;
        this.stream = stream;
    }

    /** Serves the stream on a thread of its own until the source closes it. */
    public static Thread serve(ChunkReceiver receiver, MuxStream stream) {
        Thread t = new Thread(new ChunkService(receiver, stream)::run, "chunk-service-" + stream.id());
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void run() {
        DataInputStream in = new DataInputStream(stream.inputStream());
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(stream.outputStream(), 64 * 1024));
        try {
            for (ChunkWire.Message m; (m = ChunkWire.read(in)) != null; ) {
                byte[] result;
                int type = ChunkWire.OK;
                try {
                    result = handle(m);
                } catch (IOException | RuntimeException e) {
                    type = ChunkWire.ERROR;
                    result = String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8);
                }
                ChunkWire.write(out, type, m.id(), result, new byte[0], 0, 0);
                out.flush();
            }
            out.close();
        } catch (IOException e) {
            // The migration's coordinator reports the failure; here it is only context.
            LOG.log(Level.INFO, "replication stream from the source ended: " + e.getMessage());
            stream.reset("replication service stopped: " + e.getMessage());
        }
    }

    private byte[] handle(ChunkWire.Message m) throws IOException {
        ByteBuffer p = ByteBuffer.wrap(m.payload());
        switch (m.type()) {
            case ChunkWire.OPEN -> {
                need(p, 12, "OPEN");
                return receiver.open(new ChunkLayout(p.getLong(), p.getInt())).toByteArray();
            }
            case ChunkWire.CHUNK -> {
                need(p, 4, "CHUNK");
                receiver.receive(p.getInt(), p.slice());
                return new byte[0];
            }
            case ChunkWire.FLUSH -> {
                receiver.flush();
                return new byte[0];
            }
            case ChunkWire.DIGEST -> {
                return receiver.digestTree().encode();
            }
            default -> throw new IOException("unknown replication request type " + m.type());
        }
    }

    private static void need(ByteBuffer p, int bytes, String what) throws IOException {
        if (p.remaining() < bytes) {
            throw new IOException(what + " needs at least " + bytes + " bytes, got " + p.remaining());
        }
    }
}
