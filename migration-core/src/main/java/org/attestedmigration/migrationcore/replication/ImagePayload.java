package org.attestedmigration.migrationcore.replication;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.attestedmigration.migrationcore.disk.DiskImage;

/** {@code length} bytes of the source image at {@code offset}, read when the transport asks. */
record ImagePayload(DiskImage image, long offset, int length) implements ChunkPayload {
    @Override
    public void readInto(ByteBuffer dst) throws IOException {
        if (dst.remaining() < length) {
            throw new IllegalArgumentException("buffer of " + dst.remaining() + " bytes for a payload of " + length);
        }
        ByteBuffer window = dst.slice().limit(length);
        image.read(offset, window);
        dst.position(dst.position() + length);
    }
}
