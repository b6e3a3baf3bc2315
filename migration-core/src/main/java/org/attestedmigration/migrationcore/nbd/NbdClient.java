package org.attestedmigration.migrationcore.nbd;

import static org.attestedmigration.migrationcore.nbd.NbdProtocol.*;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A minimal NBD client over a unix socket, as a guest's block driver would be: fixed newstyle
 * handshake with NBD_OPT_GO, simple replies, one request at a time.
 *
 * <p>Why here: a simulated guest writes its disk through the agent's export exactly as QEMU
 * does, so mirroring, pausing and fencing see the same path. Not thread-safe beyond one request
 * at a time: calls are serialized.
 */
public final class NbdClient implements AutoCloseable {
    private final SocketChannel ch;
    private final long size;
    private final int flags;
    private long cookie;

    private NbdClient(SocketChannel ch, long size, int flags) {
        this.ch = ch;
        this.size = size;
        this.flags = flags;
    }

    /**
     * Connects to {@code socket} and selects {@code export}.
     *
     * @throws NbdProtocolException the server broke the protocol or refused the export (its reason named)
     * @throws IOException nothing listens there
     */
    public static NbdClient connect(Path socket, String export) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer greeting = Wire.readFully(ch, 18);
            if (greeting.getLong() != NBDMAGIC || greeting.getLong() != IHAVEOPT) {
                throw new NbdProtocolException("not a newstyle NBD server at " + socket);
            }
            if ((greeting.getShort() & FLAG_FIXED_NEWSTYLE) == 0) {
                throw new NbdProtocolException("the server at " + socket + " does not speak fixed newstyle");
            }
            Wire.writeFully(ch, ByteBuffer.allocate(4).putInt(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES).flip());
            byte[] name = export.getBytes(StandardCharsets.UTF_8);
            ByteBuffer go = ByteBuffer.allocate(16 + 4 + name.length + 2)
                    .putLong(IHAVEOPT).putInt(OPT_GO).putInt(4 + name.length + 2).putInt(name.length).put(name).putShort((short) 0);
            Wire.writeFully(ch, go.flip());
            return negotiated(ch, export);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static NbdClient negotiated(SocketChannel ch, String export) throws IOException {
        long size = -1;
        int flags = 0;
        while (true) {
            ByteBuffer head = Wire.readFully(ch, 20);
            if (head.getLong() != OPTION_REPLY_MAGIC || head.getInt() != OPT_GO) {
                throw new NbdProtocolException("bad option reply to NBD_OPT_GO");
            }
            int type = head.getInt();
            long length = Integer.toUnsignedLong(head.getInt());
            if (length > MAX_OPTION_LENGTH) {
                throw new NbdProtocolException("option reply of " + length + " bytes");
            }
            ByteBuffer data = Wire.readFully(ch, (int) length);
            if (type == REP_ACK) {
                if (size < 0) {
                    throw new NbdProtocolException("the server did not say the size of export '" + export + "'");
                }
                return new NbdClient(ch, size, flags);
            }
            if (type < 0) {
                throw new NbdProtocolException("the server refused export '" + export + "': "
                        + StandardCharsets.UTF_8.decode(data) + " (error 0x" + Integer.toHexString(type) + ")");
            }
            if (type == REP_INFO && data.remaining() >= 12 && data.getShort() == INFO_EXPORT) {
                size = data.getLong();
                flags = data.getShort() & 0xffff;
            }
        }
    }

    public long size() {
        return size;
    }

    public boolean readOnly() {
        return (flags & TFLAG_READ_ONLY) != 0;
    }

    /** Writes {@code data} at {@code offset}; returns once the server replied. */
    public synchronized void write(long offset, byte[] data) throws IOException {
        check(offset, data.length);
        long c = send(CMD_WRITE, offset, data.length);
        Wire.writeFully(ch, ByteBuffer.wrap(data));
        reply(c, "write of " + data.length + " bytes at " + offset);
    }

    /** Reads {@code length} bytes at {@code offset}. */
    public synchronized byte[] read(long offset, int length) throws IOException {
        check(offset, length);
        long c = send(CMD_READ, offset, length);
        reply(c, "read of " + length + " bytes at " + offset);
        ByteBuffer b = ByteBuffer.allocate(length);
        Wire.readFully(ch, b);
        return b.array();
    }

    /** Makes every write acknowledged so far durable. */
    public synchronized void flush() throws IOException {
        reply(send(CMD_FLUSH, 0, 0), "flush");
    }

    private void check(long offset, int length) {
        if (offset < 0 || length < 0 || length > MAX_PAYLOAD || offset > size - length) {
            throw new IllegalArgumentException("[" + offset + ", +" + length + ") is outside the " + size + "-byte export");
        }
    }

    private long send(int type, long offset, int length) throws IOException {
        long c = ++cookie;
        ByteBuffer req = ByteBuffer.allocate(28).putInt(REQUEST_MAGIC).putShort((short) 0).putShort((short) type)
                .putLong(c).putLong(offset).putInt(length);
        Wire.writeFully(ch, req.flip());
        return c;
    }

    private void reply(long expectedCookie, String what) throws IOException {
        ByteBuffer r = Wire.readFully(ch, 16);
        if (r.getInt() != SIMPLE_REPLY_MAGIC) {
            throw new NbdProtocolException("bad reply magic to the " + what);
        }
        int error = r.getInt();
        if (r.getLong() != expectedCookie) {
            throw new NbdProtocolException("reply for another request than the " + what);
        }
        if (error != 0) {
            throw new IOException("the " + what + " failed on the server (errno " + error + ")");
        }
    }

    /** Says goodbye (NBD_CMD_DISC) and closes; never throws. */
    @Override
    public synchronized void close() {
        try {
            if (ch.isOpen()) {
                send(CMD_DISC, 0, 0);
            }
        } catch (IOException e) {
            // The server is gone already; closing is all that is left.
        }
        try {
            ch.close();
        } catch (IOException e) {
            // Nothing else to release.
        }
    }
}
