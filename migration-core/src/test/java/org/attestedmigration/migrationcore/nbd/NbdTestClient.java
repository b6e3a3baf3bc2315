package org.attestedmigration.migrationcore.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A minimal synchronous NBD client (fixed newstyle, NBD_OPT_GO, simple replies) for tests. */
public final class NbdTestClient implements AutoCloseable {
    public static final int CMD_READ = 0;
    public static final int CMD_WRITE = 1;
    public static final int CMD_DISC = 2;
    public static final int CMD_FLUSH = 3;
    public static final int CMD_TRIM = 4;
    public static final int CMD_WRITE_ZEROES = 6;

    private final SocketChannel ch;
    private long size;
    private int transmissionFlags;
    private long nextHandle = 1;

    private NbdTestClient(SocketChannel ch) {
        this.ch = ch;
    }

    /** The reply to one request. */
    public record Reply(int error, byte[] data) {
    }

    public static SocketChannel rawConnect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        return ch;
    }

    public static NbdTestClient connect(Path socket, String export) throws IOException {
        NbdTestClient c = new NbdTestClient(rawConnect(socket));
        try {
            c.handshake(export);
        } catch (IOException e) {
            c.ch.close();
            throw e;
        }
        return c;
    }

    /** Performs the handshake; returns the option reply type that ended GO (1 = ACK). */
    private void handshake(String export) throws IOException {
        ByteBuffer greet = read(18);
        if (greet.getLong() != NbdProtocol.NBDMAGIC || greet.getLong() != NbdProtocol.IHAVEOPT) {
            throw new IOException("not an NBD newstyle server");
        }
        write(ByteBuffer.allocate(4).putInt(3).flip());
        int reply = go(export);
        if (reply != NbdProtocol.REP_ACK) {
            throw new IOException("GO refused: 0x" + Integer.toHexString(reply));
        }
    }

    /** Sends NBD_OPT_GO and reads replies until the final one; returns its type. */
    int go(String export) throws IOException {
        byte[] name = export.getBytes(StandardCharsets.UTF_8);
        ByteBuffer opt = ByteBuffer.allocate(16 + 4 + name.length + 2)
                .putLong(NbdProtocol.IHAVEOPT).putInt(NbdProtocol.OPT_GO).putInt(4 + name.length + 2)
                .putInt(name.length).put(name).putShort((short) 0);
        write(opt.flip());
        while (true) {
            ByteBuffer h = read(20);
            h.getLong();
            h.getInt();
            int type = h.getInt();
            ByteBuffer data = read(h.getInt());
            if (type == NbdProtocol.REP_INFO && data.getShort() == NbdProtocol.INFO_EXPORT) {
                size = data.getLong();
                transmissionFlags = Short.toUnsignedInt(data.getShort());
                continue;
            }
            return type;
        }
    }

    public long size() {
        return size;
    }

    public int transmissionFlags() {
        return transmissionFlags;
    }

    public Reply request(int type, int flags, long offset, long length, byte[] payload) throws IOException {
        long handle = nextHandle++;
        send(type, flags, handle, offset, length, payload);
        if (type == CMD_DISC) {
            return new Reply(0, new byte[0]);
        }
        return readReply(handle, type == CMD_READ ? (int) length : 0);
    }

    public void send(int type, int flags, long handle, long offset, long length, byte[] payload) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(28).putInt(NbdProtocol.REQUEST_MAGIC).putShort((short) flags)
                .putShort((short) type).putLong(handle).putLong(offset).putInt((int) length).flip();
        write(h);
        if (payload != null) {
            write(ByteBuffer.wrap(payload));
        }
    }

    public Reply readReply(long handle, int readLength) throws IOException {
        ByteBuffer r = read(16);
        if (r.getInt() != NbdProtocol.SIMPLE_REPLY_MAGIC) {
            throw new IOException("bad reply magic");
        }
        int err = r.getInt();
        long h = r.getLong();
        if (h != handle) {
            throw new IOException("reply for handle " + h + ", expected " + handle);
        }
        byte[] data = err == 0 && readLength > 0 ? read(readLength).array() : new byte[0];
        return new Reply(err, data);
    }

    public int write(long offset, byte[] data, boolean fua) throws IOException {
        return request(CMD_WRITE, fua ? 1 : 0, offset, data.length, data).error();
    }

    public byte[] read(long offset, int length) throws IOException {
        Reply r = request(CMD_READ, 0, offset, length, null);
        if (r.error() != 0) {
            throw new IOException("read error " + r.error());
        }
        return r.data();
    }

    public int flush() throws IOException {
        return request(CMD_FLUSH, 0, 0, 0, null).error();
    }

    public void rawWrite(ByteBuffer b) throws IOException {
        write(b);
    }

    /** True if the server closed the connection (reads hit end of stream). */
    public boolean closedByServer() {
        java.util.concurrent.CompletableFuture<Boolean> eof = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return ch.read(ByteBuffer.allocate(1)) < 0;
            } catch (IOException e) {
                return true;
            }
        });
        try {
            return eof.get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            return false;
        }
    }

    private void write(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private ByteBuffer read(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new EOFException("server closed");
            }
        }
        return b.flip();
    }

    @Override
    public void close() throws IOException {
        try {
            if (ch.isOpen()) {
                send(CMD_DISC, 0, 0, 0, 0, null);
            }
        } catch (IOException e) {
            // Already gone.
        } finally {
            ch.close();
        }
    }
}
