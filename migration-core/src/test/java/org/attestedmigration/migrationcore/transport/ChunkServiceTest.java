package org.attestedmigration.migrationcore.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.attestedmigration.migrationcore.disk.DiskImage;
import org.attestedmigration.migrationcore.replication.ChunkReceiver;
import org.attestedmigration.migrationcore.replication.ReplicationJournal;
import org.attestedmigration.securechannel.mux.MuxStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The destination's replication service against a hostile or broken source: every malformed
 * request is answered ERROR without touching the disk, and a broken stream ends the service
 * instead of hanging or crashing it. (The happy path runs over the real attested channel in
 * tpm-simulator-tests.)
 */
class ChunkServiceTest {
    private static final int CHUNK = 64 * 1024;
    @TempDir
    Path dir;
    private DiskImage disk;
    private MuxStream stream;
    private DataOutputStream toService;
    private DataInputStream fromService;
    private Thread service;

    @BeforeEach
    void start() throws Exception {
        disk = DiskImage.create(dir.resolve("dst.raw"), 4L * CHUNK);
        PipedInputStream serviceIn = new PipedInputStream(1 << 20);
        toService = new DataOutputStream(new PipedOutputStream(serviceIn));
        PipedInputStream clientIn = new PipedInputStream(1 << 20);
        fromService = new DataInputStream(clientIn);
        stream = mock(MuxStream.class);
        when(stream.inputStream()).thenReturn(serviceIn);
        when(stream.outputStream()).thenReturn(new PipedOutputStream(clientIn));
        service = ChunkService.serve(new ChunkReceiver(disk, new ReplicationJournal(dir.resolve("dst.journal"))), stream);
    }

    @AfterEach
    void stop() throws Exception {
        toService.close();
        service.join(5000);
        disk.close();
    }

    @Test
    void chunkBeforeOpenIsRefused() throws Exception {
        ChunkWire.Message reply = send(ChunkWire.CHUNK, 1, ByteBuffer.allocate(4 + CHUNK).putInt(0).array());
        assertEquals(ChunkWire.ERROR, reply.type());
        assertEquals(1, reply.id());
    }

    @Test
    void openWithALayoutThatIsNotTheDisksIsRefused() throws Exception {
        ChunkWire.Message reply = send(ChunkWire.OPEN, 7, ByteBuffer.allocate(12).putLong(999L * CHUNK).putInt(CHUNK).array());
        assertEquals(ChunkWire.ERROR, reply.type());
        reply = send(ChunkWire.OPEN, 8, ByteBuffer.allocate(12).putLong(4L * CHUNK).putInt(12345).array());
        assertEquals(ChunkWire.ERROR, reply.type(), "a chunk size that is not a power of two");
    }

    @Test
    void wrongChunkLengthAndIndexAreRefusedAndTheDiskIsUntouched() throws Exception {
        assertEquals(ChunkWire.OK, send(ChunkWire.OPEN, 1, ByteBuffer.allocate(12).putLong(4L * CHUNK).putInt(CHUNK).array()).type());
        byte[] shortChunk = ByteBuffer.allocate(4 + 100).putInt(0).array();
        assertEquals(ChunkWire.ERROR, send(ChunkWire.CHUNK, 2, shortChunk).type());
        byte[] badIndex = ByteBuffer.allocate(4 + CHUNK).putInt(9).array();
        ChunkWire.Message reply = send(ChunkWire.CHUNK, 3, badIndex);
        assertEquals(ChunkWire.ERROR, reply.type());
        assertTrue(new String(reply.payload(), StandardCharsets.UTF_8).contains("outside"), new String(reply.payload(), StandardCharsets.UTF_8));
        ByteBuffer head = ByteBuffer.allocate(CHUNK);
        disk.read(0, head);
        assertArrayEquals(new byte[CHUNK], head.array(), "nothing was written");
    }

    @Test
    void unknownRequestTypeAndTooShortPayloadsAreRefused() throws Exception {
        assertEquals(ChunkWire.ERROR, send(42, 1, new byte[0]).type());
        assertEquals(ChunkWire.ERROR, send(ChunkWire.OPEN, 2, new byte[3]).type());
    }

    @Test
    void aValidChunkIsWrittenAndAcknowledged() throws Exception {
        send(ChunkWire.OPEN, 1, ByteBuffer.allocate(12).putLong(4L * CHUNK).putInt(CHUNK).array());
        byte[] data = new byte[CHUNK];
        java.util.Arrays.fill(data, (byte) 0x5a);
        assertEquals(ChunkWire.OK, send(ChunkWire.CHUNK, 2, ByteBuffer.allocate(4 + CHUNK).putInt(2).put(data).array()).type());
        ByteBuffer back = ByteBuffer.allocate(CHUNK);
        disk.read(2L * CHUNK, back);
        assertArrayEquals(data, back.array());
    }

    @Test
    void anOversizedMessageStopsTheServiceAndResetsTheStream() throws Exception {
        toService.writeByte(ChunkWire.CHUNK);
        toService.writeInt(1);
        toService.writeInt(Integer.MAX_VALUE);
        toService.flush();
        service.join(5000);
        assertFalse(service.isAlive());
        verify(stream, timeout(5000)).reset(anyString());
    }

    @Test
    void aMessageCutShortEndsTheServiceWithoutAReply() throws Exception {
        toService.writeByte(ChunkWire.FLUSH);
        toService.writeShort(0); // half of the request id, then the source vanishes
        toService.close();
        service.join(5000);
        assertFalse(service.isAlive());
        verify(stream, timeout(5000)).reset(anyString());
    }

    private ChunkWire.Message send(int type, int id, byte[] payload) throws Exception {
        toService.writeByte(type);
        toService.writeInt(id);
        toService.writeInt(payload.length);
        toService.write(payload);
        toService.flush();
        return ChunkWire.read(fromService);
    }
}
