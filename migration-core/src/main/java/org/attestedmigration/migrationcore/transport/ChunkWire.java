package org.attestedmigration.migrationcore.transport;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;

/**
 * The disk replication messages on one stream of the attested channel, big-endian:
 * {@code u8 type | u32 request id | u32 length | payload}. Requests go from source to destination
 * (OPEN: u64 image size + u32 chunk size; CHUNK: u32 index + the chunk; FLUSH; DIGEST), each
 * answered by OK (with a result: the confirmed-chunk bitmap, or the encoded digest tree) or ERROR
 * (a UTF-8 reason) carrying the same id.
 */
final class ChunkWire {
    static final int OPEN = 1;
    static final int CHUNK = 2;
    static final int FLUSH = 3;
    static final int DIGEST = 4;
    static final int OK = 0x80;
    static final int ERROR = 0x81;
    /** A chunk (at most 64 MiB) plus its index; nothing legitimate is larger. */
    static final int MAX_PAYLOAD = 64 * 1024 * 1024 + 4;

    /** One message as read. */
    record Message(int type, int id, byte[] payload) {
    }

    private ChunkWire() {
    }

    static void write(DataOutputStream out, int type, int id, byte[] head, byte[] body, int bodyOffset, int bodyLength) throws IOException {
        out.writeByte(type);
        out.writeInt(id);
        out.writeInt(head.length + bodyLength);
        out.write(head);
        out.write(body, bodyOffset, bodyLength);
    }

    /** @return null at a clean end of stream */
    static Message read(DataInputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            return null;
        }
        int id = in.readInt();
        int length = in.readInt();
        if (length < 0 || length > MAX_PAYLOAD) {
            throw new IOException("replication message of " + length + " bytes is out of bounds");
        }
        byte[] payload = new byte[length];
        try {
            in.readFully(payload);
        } catch (EOFException e) {
            throw new IOException("replication stream ended inside a message");
        }
        return new Message(type, id, payload);
    }
}
