package org.attestedmigration.securechannel.mux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The decoder alone: headers across reads, DATA passed on in slices without gathering, bounded copies. */
class FrameDecoderTest {
    private static final int MAX = 256 * 1024;

    private static EmbeddedChannel channel() {
        return new EmbeddedChannel(new FrameDecoder(MAX));
    }

    @Test
    void headerAndPayloadSplitIntoSingleBytesMakeOneFrame() {
        EmbeddedChannel ch = channel();
        byte[] ping = RawPeer.frame(FrameType.PING.code(), 0, 0, ByteBuffer.allocate(8).putLong(42).array());
        for (byte b : ping) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        Frame f = ch.readInbound();
        assertEquals(FrameType.PING, f.type());
        assertEquals(42, f.payload().readLong());
        f.release();
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void dataIsPassedOnAsItArrivesAndReassemblesExactly() {
        EmbeddedChannel ch = channel();
        byte[] payload = new byte[100_000];
        new Random(7).nextBytes(payload);
        byte[] wire = RawPeer.frame(FrameType.DATA.code(), FrameFormat.FLAG_END_OF_MESSAGE, 5, payload);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int slices = 0;
        for (int off = 0; off < wire.length; off += 7000) {
            ByteBuf piece = Unpooled.directBuffer(7000);
            piece.writeBytes(wire, off, Math.min(7000, wire.length - off));
            ch.writeInbound(piece);
            for (DataSlice d; (d = ch.readInbound()) != null; slices++) {
                assertEquals(5, d.streamId());
                assertEquals(payload.length, d.frameLength());
                assertEquals(slices == 0, d.first());
                assertEquals(d.last(), d.endOfMessage(), "END_OF_MESSAGE only on the last slice");
                got.writeBytes(ByteBufUtil.getBytes(d.data()));
                d.data().release();
            }
        }
        assertTrue(slices > 10, "delivered before the frame was complete: " + slices + " slices");
        assertArrayEquals(payload, got.toByteArray());
        assertFalse(ch.finish());
    }

    @Test
    void largePiecesAreSlicesAndSmallOnesCopies() {
        EmbeddedChannel ch = channel();
        ByteBuf in = Unpooled.directBuffer(64 * 1024);
        in.writeBytes(RawPeer.frame(FrameType.DATA.code(), 0, 1, new byte[60_000]));
        in.writeBytes(RawPeer.frame(FrameType.DATA.code(), 0, 3, new byte[10]));
        ch.writeInbound(in);
        DataSlice big = ch.readInbound();
        DataSlice small = ch.readInbound();
        assertSame(in, big.data().unwrap(), "a large piece is a slice of the receive buffer");
        // Which buffer the copy lives in is the allocator's business (pooled buffers may unwrap to their chunk): only not ours.
        assertNotSame(in, small.data().unwrap(), "a small piece is copied so it does not keep 64 KiB alive");
        big.data().release();
        assertEquals(0, in.refCnt(), "once the large piece is released, nothing holds the receive buffer");
        assertEquals(10, small.data().readableBytes());
        small.data().release();
        assertFalse(ch.finish());
    }

    @Test
    void emptyDataFrameStillArrivesWithItsFlag() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(RawPeer.frame(FrameType.DATA.code(), FrameFormat.FLAG_END_OF_MESSAGE, 1, new byte[0])));
        DataSlice d = ch.readInbound();
        assertTrue(d.first() && d.last() && d.endOfMessage());
        assertEquals(0, d.data().readableBytes());
        assertFalse(ch.finish());
    }

    @Test
    void oversizedHeaderFailsAtOnceAndStopsDecoding() {
        EmbeddedChannel ch = channel();
        ByteBuf in = Unpooled.buffer();
        in.writeInt(MAX + 1).writeByte(FrameType.DATA.code()).writeByte(0).writeShort(0).writeInt(1);
        MuxProtocolException e = assertThrows(MuxProtocolException.class, () -> ch.writeInbound(in));
        assertEquals(ErrorCode.FRAME_SIZE_ERROR, e.code());
        ch.writeInbound(Unpooled.wrappedBuffer(RawPeer.hello()));
        assertNull(ch.readInbound(), "nothing after a framing error is trusted");
        ch.finish();
    }

    @Test
    void closingInsideAFrameIsReported() {
        EmbeddedChannel ch = channel();
        byte[] data = RawPeer.frame(FrameType.OPEN.code(), 0, 1, new byte[8]);
        ch.writeInbound(Unpooled.wrappedBuffer(data, 0, 15));
        assertNull(ch.readInbound());
        ch.finish();
        Object o = ch.readInbound();
        assertNotNull(o);
        assertSame(FrameDecoder.TRUNCATED, o);
    }
}
