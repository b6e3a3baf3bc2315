package org.attestedmigration.migrationcore.nbd;

import static org.attestedmigration.migrationcore.nbd.NbdProtocol.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The fixed-newstyle handshake and option haggling up to the transmission phase.
 *
 * <p>Supports EXPORT_NAME, GO, INFO, LIST and ABORT; any other option (structured replies,
 * STARTTLS, meta contexts) is answered NBD_REP_ERR_UNSUP, which every client must accept and
 * which leaves it on simple replies.
 */
final class NbdHandshake {
    private final ByteChannel ch;
    private final NbdExport export;
    private boolean noZeroes;

    NbdHandshake(ByteChannel ch, NbdExport export) {
        this.ch = ch;
        this.export = export;
    }

    /** The transmission flags this server advertises for the export. */
    static int transmissionFlags(NbdExport export) {
        int flags = TFLAG_HAS_FLAGS | TFLAG_SEND_FLUSH | TFLAG_CAN_MULTI_CONN;
        if (export.image().readOnly()) {
            return flags | TFLAG_READ_ONLY;
        }
        return flags | TFLAG_SEND_FUA | TFLAG_SEND_TRIM | TFLAG_SEND_WRITE_ZEROES;
    }

    /**
     * Runs the handshake.
     *
     * @return true if the client entered the transmission phase, false if it aborted
     * @throws NbdProtocolException if the client broke the protocol; the caller closes
     */
    boolean run() throws IOException {
        ByteBuffer greeting = ByteBuffer.allocate(18)
                .putLong(NBDMAGIC).putLong(IHAVEOPT).putShort((short) (FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES));
        Wire.writeFully(ch, greeting.flip());
        int clientFlags = Wire.readFully(ch, 4).getInt();
        if ((clientFlags & ~CLIENT_FLAGS_KNOWN) != 0 || (clientFlags & FLAG_FIXED_NEWSTYLE) == 0) {
            throw new NbdProtocolException("unsupported client flags 0x" + Integer.toHexString(clientFlags));
        }
        noZeroes = (clientFlags & FLAG_NO_ZEROES) != 0;
        while (true) {
            ByteBuffer head = Wire.readFully(ch, 16);
            if (head.getLong() != IHAVEOPT) {
                throw new NbdProtocolException("bad option magic");
            }
            int option = head.getInt();
            long length = Integer.toUnsignedLong(head.getInt());
            if (length > MAX_OPTION_LENGTH) {
                throw new NbdProtocolException("option " + option + " too long: " + length);
            }
            ByteBuffer data = Wire.readFully(ch, (int) length);
            Optional<Boolean> done = handle(option, data);
            if (done.isPresent()) {
                return done.get();
            }
        }
    }

    /** Empty while haggling goes on; true on entering transmission, false on abort. */
    private Optional<Boolean> handle(int option, ByteBuffer data) throws IOException {
        switch (option) {
            case OPT_EXPORT_NAME -> {
                String name = StandardCharsets.UTF_8.decode(data).toString();
                if (!export.answersTo(name)) {
                    // EXPORT_NAME has no error reply: closing is the only answer the spec allows.
                    throw new NbdProtocolException("unknown export '" + name + "'");
                }
                ByteBuffer reply = ByteBuffer.allocate(noZeroes ? 10 : 134)
                        .putLong(export.image().size()).putShort((short) transmissionFlags(export));
                Wire.writeFully(ch, reply.position(reply.capacity()).flip());
                return Optional.of(true);
            }
            case OPT_ABORT -> {
                reply(option, REP_ACK, ByteBuffer.allocate(0));
                return Optional.of(false);
            }
            case OPT_LIST -> {
                if (data.hasRemaining()) {
                    error(option, REP_ERR_INVALID, "LIST takes no data");
                } else {
                    byte[] name = export.name().getBytes(StandardCharsets.UTF_8);
                    reply(option, REP_SERVER, ByteBuffer.allocate(4 + name.length).putInt(name.length).put(name).flip());
                    reply(option, REP_ACK, ByteBuffer.allocate(0));
                }
                return Optional.empty();
            }
            case OPT_INFO, OPT_GO -> {
                return infoOrGo(option, data);
            }
            default -> {
                error(option, REP_ERR_UNSUP, "option not supported");
                return Optional.empty();
            }
        }
    }

    private Optional<Boolean> infoOrGo(int option, ByteBuffer data) throws IOException {
        if (data.remaining() < 6) {
            error(option, REP_ERR_INVALID, "truncated request");
            return Optional.empty();
        }
        long nameLength = Integer.toUnsignedLong(data.getInt());
        if (nameLength > data.remaining() - 2) {
            error(option, REP_ERR_INVALID, "name length beyond option data");
            return Optional.empty();
        }
        byte[] nameBytes = new byte[(int) nameLength];
        data.get(nameBytes);
        int requests = Short.toUnsignedInt(data.getShort());
        if (data.remaining() != requests * 2) {
            error(option, REP_ERR_INVALID, "information request count does not match the data");
            return Optional.empty();
        }
        boolean wantsBlockSize = false;
        for (int i = 0; i < requests; i++) {
            wantsBlockSize |= data.getShort() == INFO_BLOCK_SIZE;
        }
        String name = new String(nameBytes, StandardCharsets.UTF_8);
        if (!export.answersTo(name)) {
            error(option, REP_ERR_UNKNOWN, "no export named '" + name + "'");
            return Optional.empty();
        }
        reply(option, REP_INFO, ByteBuffer.allocate(12).putShort((short) INFO_EXPORT)
                .putLong(export.image().size()).putShort((short) transmissionFlags(export)).flip());
        if (wantsBlockSize) {
            reply(option, REP_INFO, ByteBuffer.allocate(14).putShort((short) INFO_BLOCK_SIZE)
                    .putInt(1).putInt(PREFERRED_BLOCK).putInt(MAX_PAYLOAD).flip());
        }
        reply(option, REP_ACK, ByteBuffer.allocate(0));
        return option == OPT_GO ? Optional.of(true) : Optional.empty();
    }

    private void error(int option, int type, String message) throws IOException {
        reply(option, type, StandardCharsets.UTF_8.encode(message));
    }

    private void reply(int option, int type, ByteBuffer data) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(20).putLong(OPTION_REPLY_MAGIC).putInt(option)
                .putInt(type).putInt(data.remaining());
        Wire.writeFully(ch, head.flip(), data);
    }
}
