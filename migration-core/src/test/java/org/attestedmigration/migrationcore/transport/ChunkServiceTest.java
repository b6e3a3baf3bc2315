package org.attestedmigration.migrationcore.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.attestedmigration.migrationcore.disk.DiskImage;
import org.attestedmigration.migrationcore.replication.ChunkReceiver;
import org.attestedmigration.migrationcore.replication.ReplicationJournal;
import org.attestedmigration.securechannel.mux.CloseReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The destination's replication service against a hostile or broken source, over a real mux
 * stream: every malformed request is answered ERROR without touching the disk, and a broken
 * stream ends the service (resetting the stream) instead of hanging or crashing it. (The happy
 * path also runs over the real attested channel in tpm-simulator-tests.)
 */
class ChunkServiceTest {
    private static final int CHUNK = 64 * 1024;
    @TempDir
    Path dir;
    private DiskImage disk;
    private MuxPair mux;
    private DataOutputStream toService;
    private DataInputStream fromService;
    private Thread service;

    @BeforeEach
    void start() throws Exception {
        disk = DiskImage.create(dir.resolve("dst.raw"), 4L * CHUNK);
        mux = new MuxPair();
        toService = new DataOutputStream(mux.sourceEnd.outputStream());
        fromService = new DataInputStream(mux.sourceEnd.inputStream());
        service = ChunkService.serve(new ChunkReceiver(disk, new ReplicationJournal(dir.resolve("dst.journal"))), mux.destinationEnd);
    }

    @AfterEach
    void stop() throws Exception {
        mux.close();
        service.join(5000);
        disk.close();
    }

    @Test
    void chunkBeforeOpenIsRefused() throws Exception {
        Reply reply = send(ChunkWire.CHUNK, 1, ByteBuffer.allocate(4 + CHUNK).putInt(0).array());
        assertEquals(ChunkWire.ERROR, reply.type());
        assertEquals(1, reply.id());
    }

    @Test
    void openWithALayoutThatIsNotTheDisksIsRefused() throws Exception {
        assertEquals(ChunkWire.ERROR, send(ChunkWire.OPEN, 7, open(999L * CHUNK, CHUNK)).type());
        assertEquals(ChunkWire.ERROR, send(ChunkWire.OPEN, 8, open(4L * CHUNK, 12345)).type(), "a chunk size that is not a power of two");
    }

    @Test
    void wrongChunkLengthAndIndexAreRefusedAndTheDiskIsUntouched() throws Exception {
        assertEquals(ChunkWire.OK, send(ChunkWire.OPEN, 1, open(4L * CHUNK, CHUNK)).type());
        assertEquals(ChunkWire.ERROR, send(ChunkWire.CHUNK, 2, ByteBuffer.allocate(4 + 100).putInt(0).array()).type());
        Reply reply = send(ChunkWire.CHUNK, 3, ByteBuffer.allocate(4 + CHUNK).putInt(9).array());
        assertEquals(ChunkWire.ERROR, reply.type());
        assertTrue(reply.text().contains("outside"), reply.text());
        assertArrayEquals(new byte[CHUNK], read(0, CHUNK), "nothing was written");
    }

    @Test
    void unknownRequestTypeAndTooShortPayloadsAreRefused() throws Exception {
        assertEquals(ChunkWire.ERROR, send(42, 1, new byte[0]).type());
        assertEquals(ChunkWire.ERROR, send(ChunkWire.OPEN, 2, new byte[3]).type());
        assertEquals(ChunkWire.ERROR, send(ChunkWire.RANGE, 3, new byte[7]).type());
    }

    @Test
    void aValidChunkIsWrittenAndAcknowledged() throws Exception {
        send(ChunkWire.OPEN, 1, open(4L * CHUNK, CHUNK));
        byte[] data = filled(CHUNK, 0x5a);
        assertEquals(ChunkWire.OK, send(ChunkWire.CHUNK, 2, ByteBuffer.allocate(4 + CHUNK).putInt(2).put(data).array()).type());
        assertArrayEquals(data, read(2L * CHUNK, CHUNK));
    }

    @Test
    void aZeroChunkOverwritesWhatWasThereAndMalformedOnesAreRefused() throws Exception {
        send(ChunkWire.OPEN, 1, open(4L * CHUNK, CHUNK));
        send(ChunkWire.CHUNK, 2, ByteBuffer.allocate(4 + CHUNK).putInt(3).put(filled(CHUNK, 0x77)).array());
        assertEquals(ChunkWire.OK, send(ChunkWire.ZERO, 3, ByteBuffer.allocate(4).putInt(3).array()).type());
        assertArrayEquals(new byte[CHUNK], read(3L * CHUNK, CHUNK));
        assertEquals(ChunkWire.ERROR, send(ChunkWire.ZERO, 4, ByteBuffer.allocate(4).putInt(4).array()).type(), "index past the disk");
        assertEquals(ChunkWire.ERROR, send(ChunkWire.ZERO, 5, ByteBuffer.allocate(8).putInt(1).putInt(0).array()).type(), "trailing bytes");
        assertEquals(ChunkWire.ERROR, send(ChunkWire.ZERO, 6, new byte[3]).type(), "no index");
    }

    @Test
    void aRangeIsWrittenInPlaceIntoAChunkThisSideHolds() throws Exception {
        send(ChunkWire.OPEN, 1, open(4L * CHUNK, CHUNK));
        send(ChunkWire.CHUNK, 2, ByteBuffer.allocate(4 + CHUNK).putInt(1).put(filled(CHUNK, 0x11)).array());
        assertEquals(ChunkWire.OK, send(ChunkWire.RANGE, 3, range(1, 4096, filled(4096, 0x22))).type());
        byte[] expected = filled(CHUNK, 0x11);
        Arrays.fill(expected, 4096, 8192, (byte) 0x22);
        assertArrayEquals(expected, read(CHUNK, CHUNK));
    }

    @Test
    void rangesOutsideTheirChunkOrIntoAChunkNotHeldAreRefusedAndWriteNothing() throws Exception {
        send(ChunkWire.OPEN, 1, open(4L * CHUNK, CHUNK));
        send(ChunkWire.CHUNK, 2, ByteBuffer.allocate(4 + CHUNK).putInt(1).put(filled(CHUNK, 0x11)).array());
        Reply past = send(ChunkWire.RANGE, 3, range(1, CHUNK - 100, filled(200, 0x33)));
        assertEquals(ChunkWire.ERROR, past.type());
        assertTrue(past.text().contains("outside"), past.text());
        assertEquals(ChunkWire.ERROR, send(ChunkWire.RANGE, 4, range(1, CHUNK, filled(1, 0x33))).type(), "offset at the chunk's end");
        assertEquals(ChunkWire.ERROR, send(ChunkWire.RANGE, 5, range(1, -4096, filled(4096, 0x33))).type(), "offset above 2^31");
        assertEquals(ChunkWire.ERROR, send(ChunkWire.RANGE, 6, range(1, 0, new byte[0])).type(), "empty range");
        assertEquals(ChunkWire.ERROR, send(ChunkWire.RANGE, 7, range(4, 0, filled(16, 0x33))).type(), "chunk index past the disk");
        Reply notHeld = send(ChunkWire.RANGE, 8, range(0, 0, filled(16, 0x33)));
        assertEquals(ChunkWire.ERROR, notHeld.type(), "chunk 0 never arrived whole");
        assertTrue(notHeld.text().contains("does not hold"), notHeld.text());
        assertArrayEquals(filled(CHUNK, 0x11), read(CHUNK, CHUNK));
        assertArrayEquals(new byte[CHUNK], read(0, CHUNK));
    }

    @Test
    void anOversizedMessageStopsTheServiceAndResetsTheStream() throws Exception {
        toService.writeByte(ChunkWire.CHUNK);
        toService.writeInt(1);
        toService.writeInt(Integer.MAX_VALUE);
        toService.flush();
        assertStoppedAndReset();
    }

    @Test
    void aMessageCutShortEndsTheServiceWithoutAReply() throws Exception {
        toService.writeByte(ChunkWire.FLUSH);
        toService.writeShort(0); // half of the request id, then the source goes away
        toService.close();
        assertStoppedAndReset();
    }

    @Test
    void aCleanEndAfterTheLastRequestEndsTheServiceAndHalfClosesTheReplies() throws Exception {
        assertEquals(ChunkWire.OK, send(ChunkWire.OPEN, 1, open(4L * CHUNK, CHUNK)).type());
        toService.close();
        service.join(5000);
        assertFalse(service.isAlive());
        assertEquals(-1, fromService.read(), "the service half-closed after answering everything");
    }

    private void assertStoppedAndReset() throws Exception {
        service.join(5000);
        assertFalse(service.isAlive());
        CloseReason reason = mux.sourceEnd.closeFuture().get(5, TimeUnit.SECONDS);
        assertFalse(reason.isClean(), reason.toString());
        assertTrue(reason.toString().contains("replication service stopped"), reason.toString());
    }

    private record Reply(int type, int id, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private Reply send(int type, int id, byte[] payload) throws Exception {
        toService.writeByte(type);
        toService.writeInt(id);
        toService.writeInt(payload.length);
        toService.write(payload);
        toService.flush();
        int replyType = fromService.readUnsignedByte();
        int replyId = fromService.readInt();
        byte[] replyPayload = new byte[fromService.readInt()];
        fromService.readFully(replyPayload);
        return new Reply(replyType, replyId, replyPayload);
    }

    private static byte[] open(long size, int chunkSize) {
        return ByteBuffer.allocate(12).putLong(size).putInt(chunkSize).array();
    }

    private static byte[] range(int chunk, int offset, byte[] data) {
        return ByteBuffer.allocate(8 + data.length).putInt(chunk).putInt(offset).put(data).array();
    }

    private static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private byte[] read(long offset, int n) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(n);
        disk.read(offset, b);
        return b.array();
    }
}
