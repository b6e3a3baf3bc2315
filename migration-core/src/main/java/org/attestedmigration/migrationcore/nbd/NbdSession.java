package org.attestedmigration.migrationcore.nbd;

import static org.attestedmigration.migrationcore.nbd.NbdProtocol.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Phaser;
import java.util.concurrent.locks.ReentrantLock;
import org.attestedmigration.migrationcore.disk.DiskImage;

/**
 * The transmission phase of one connection: reads requests in order, executes them against the
 * image, and replies with simple replies.
 *
 * <p>Reads, flushes and trims are answered in order on the connection's thread. A write's reply
 * waits for its {@link WriteObserver} stage and may be sent from another thread; NBD lets replies
 * come in any order because each carries the request's handle. Malformed requests that leave the
 * stream in step get an error reply; a bad magic or a payload we will not read ends the
 * connection, as the protocol prescribes for requests the server cannot parse.
 */
final class NbdSession {
    private static final System.Logger LOG = System.getLogger(NbdSession.class.getName());

    private final ByteChannel ch;
    private final NbdExport export;
    private final DiskImage image;
    private final ReentrantLock replyLock = new ReentrantLock();
    /** Counts replies still owed, so DISC answers everything before it closes. */
    private final Phaser pending = new Phaser(1);

    NbdSession(ByteChannel ch, NbdExport export) {
        this.ch = ch;
        this.export = export;
        this.image = export.image();
    }

    /** Serves requests until DISC, end of stream, or a protocol violation. */
    void run() throws IOException, InterruptedException {
        ByteBuffer head = ByteBuffer.allocate(28);
        while (true) {
            head.clear();
            Wire.readFully(ch, head);
            head.flip();
            int magic = head.getInt();
            int flags = Short.toUnsignedInt(head.getShort());
            int type = Short.toUnsignedInt(head.getShort());
            long handle = head.getLong();
            long offset = head.getLong();
            long length = Integer.toUnsignedLong(head.getInt());
            if (magic != REQUEST_MAGIC) {
                throw new NbdProtocolException("bad request magic 0x" + Integer.toHexString(magic));
            }
            if (type == CMD_DISC) {
                pending.arriveAndAwaitAdvance();
                return;
            }
            dispatch(type, flags, handle, offset, length);
        }
    }

    private void dispatch(int type, int flags, long handle, long offset, long length) throws IOException,
            InterruptedException {
        if (type == CMD_WRITE) {
            write(flags, handle, offset, length);
            return;
        }
        if ((flags & ~CMD_FLAGS_KNOWN) != 0) {
            reply(handle, EINVAL, null);
            return;
        }
        switch (type) {
            case CMD_READ -> read(handle, offset, length);
            case CMD_FLUSH -> {
                int err = flushError();
                reply(handle, err, null);
            }
            case CMD_TRIM -> {
                // Trim is a hint; ignoring it keeps the data, which is always safe to read back.
                reply(handle, writableRangeError(offset, length), null);
            }
            case CMD_WRITE_ZEROES -> writeZeroes(flags, handle, offset, length);
            default -> reply(handle, EINVAL, null);
        }
    }

    private void read(long handle, long offset, long length) throws IOException {
        if (length == 0 || length > MAX_PAYLOAD || !image.contains(offset, length)) {
            reply(handle, EINVAL, null);
            return;
        }
        ByteBuffer data = ByteBuffer.allocate((int) length);
        try {
            image.read(offset, data);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "read failed at " + offset, e);
            reply(handle, EIO, null);
            return;
        }
        reply(handle, 0, data.flip());
    }

    private void write(int flags, long handle, long offset, long length) throws IOException,
            InterruptedException {
        if (length > MAX_PAYLOAD) {
            // Reading 4 GiB to stay in step is not worth it; the spec allows dropping the client.
            throw new NbdProtocolException("write payload of " + length + " bytes exceeds " + MAX_PAYLOAD);
        }
        ByteBuffer data = Wire.readFully(ch, (int) length);
        int err = (flags & ~CMD_FLAGS_KNOWN) != 0 || length == 0 ? EINVAL : writableRangeError(offset, length);
        if (err != 0) {
            reply(handle, err, null);
            return;
        }
        observedWrite(handle, offset, length, (flags & CMD_FLAG_FUA) != 0, () -> image.write(offset, data));
    }

    private void writeZeroes(int flags, long handle, long offset, long length) throws IOException,
            InterruptedException {
        int err = length == 0 ? EINVAL : writableRangeError(offset, length);
        if (err != 0) {
            reply(handle, err, null);
            return;
        }
        observedWrite(handle, offset, length, (flags & CMD_FLAG_FUA) != 0,
                () -> image.writeZeroes(offset, length));
    }

    private int writableRangeError(long offset, long length) {
        if (image.readOnly()) {
            return EPERM;
        }
        return image.contains(offset, length) ? 0 : ENOSPC;
    }

    private interface ImageWrite {
        void run() throws IOException;
    }

    private void observedWrite(long handle, long offset, long length, boolean fua, ImageWrite op)
            throws IOException, InterruptedException {
        export.observer().beforeWrite(offset, length);
        int err = 0;
        CompletionStage<Void> stage;
        try {
            op.run();
            if (fua) {
                image.flush();
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "write failed at " + offset, e);
            err = EIO;
        } finally {
            stage = export.observer().afterWrite(offset, length);
        }
        int localErr = err;
        pending.register();
        stage.whenComplete((ok, failure) -> {
            try {
                replyQuietly(handle, localErr != 0 ? localErr : failure != null ? EIO : 0);
            } finally {
                pending.arriveAndDeregister();
            }
        });
    }

    private int flushError() {
        try {
            image.flush();
            return 0;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "flush failed", e);
            return EIO;
        }
    }

    private void replyQuietly(long handle, int error) {
        try {
            reply(handle, error, null);
        } catch (IOException e) {
            // The client went away; the reader side notices and closes the connection.
            LOG.log(System.Logger.Level.DEBUG, "reply lost", e);
        }
    }

    private void reply(long handle, int error, ByteBuffer data) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(16).putInt(SIMPLE_REPLY_MAGIC).putInt(error).putLong(handle).flip();
        replyLock.lock();
        try {
            if (data == null) {
                Wire.writeFully(ch, head);
            } else {
                Wire.writeFully(ch, head, data);
            }
        } finally {
            replyLock.unlock();
        }
    }
}
