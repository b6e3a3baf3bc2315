package org.attestedmigration.securechannel.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.attestedmigration.securechannel.mux.RawPeer.RawFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A peer that breaks the rules gets the documented error, never an unhandled exception or unbounded buffering. */
@Timeout(30)
class HostileFramingTest {

    private static final MuxConfig CONFIG = MuxConfig.defaults().withInitialStreamWindow(16 * 1024);

    /** Expects GOAWAY with the code, the connection closed, and the server session ended with the same code. */
    private static void assertGoAway(RawPeer peer, ErrorCode code) throws Exception {
        RawFrame goAway = peer.await(FrameType.GOAWAY);
        assertEquals(0, goAway.streamId());
        assertEquals(code.code(), goAway.intAt(4), "GOAWAY code; reason: " + goAway.text(8));
        assertFalse(goAway.text(8).isEmpty(), "GOAWAY carries a reason");
        assertTrue(peer.closedByServer());
        CloseReason reason = peer.serverSession().closeFuture().get(5, TimeUnit.SECONDS);
        assertEquals(code, reason.code());
        assertFalse(reason.byPeer());
    }

    @Test
    void garbageBytesEndTheConnectionWithProtocolError() throws Exception {
        try (RawPeer peer = new RawPeer(CONFIG, StreamAcceptor.rejectAll())) {
            peer.send("GET / HTTP/1.1\r\nHost: example\r\n\r\n".getBytes());
            assertGoAway(peer, ErrorCode.PROTOCOL_ERROR);
        }
    }

    @Test
    void firstFrameMustBeHello() throws Exception {
        try (RawPeer peer = new RawPeer(CONFIG, StreamAcceptor.rejectAll())) {
            peer.send(RawPeer.open(1, StreamKind.BYTES, 65536));
            assertGoAway(peer, ErrorCode.PROTOCOL_ERROR);
        }
    }

    @Test
    void truncatedFrameThenCloseIsReportedAsProtocolError() throws Exception {
        try (RawPeer peer = new RawPeer(CONFIG, StreamAcceptor.rejectAll())) {
            peer.send(RawPeer.hello());
            byte[] data = RawPeer.frame(FrameType.PING.code(), 0, 0, new byte[8]);
            peer.send(java.util.Arrays.copyOf(data, 15)); // header plus 3 of 8 payload bytes
            Thread.sleep(100); // the server must wait for the rest rather than fail early
            assertTrue(peer.serverSession().isOpen());
            peer.closeOutput();
            CloseReason reason = peer.serverSession().closeFuture().get(5, TimeUnit.SECONDS);
            assertEquals(ErrorCode.PROTOCOL_ERROR, reason.code());
            assertTrue(reason.message().contains("middle of a frame"), reason.message());
        }
    }

    @Test
    void oversizedFrameIsRejectedFromItsHeaderAlone() throws Exception {
        try (RawPeer peer = new RawPeer(CONFIG, StreamAcceptor.rejectAll())) {
            peer.send(RawPeer.hello());
            // Announces 1 GiB; the server must refuse without waiting for (or buffering) the payload.
            peer.send(ByteBuffer.allocate(12).putInt(1 << 30).put((byte) FrameType.DATA.code()).put((byte) 0)
                    .putShort((short) 0).putInt(1).array());
            assertGoAway(peer, ErrorCode.FRAME_SIZE_ERROR);
        }
    }

    @Test
    void frameForNeverOpenedStreamIsAProtocolError() throws Exception {
        try (RawPeer peer = new RawPeer(CONFIG, StreamAcceptor.rejectAll())) {
            peer.send(RawPeer.hello());
            peer.send(RawPeer.frame(FrameType.DATA.code(), 0, 99, new byte[10]));
            assertGoAway(peer, ErrorCode.PROTOCOL_ERROR);
        }
    }

    @Test
    void unknownFrameTypeIsAProtocolError() throws Exception {
        try (RawPeer peer = new RawPeer(CONFIG, StreamAcceptor.rejectAll())) {
            peer.send(RawPeer.hello());
            peer.send(RawPeer.frame(0x7f, 0, 0, new byte[4]));
            assertGoAway(peer, ErrorCode.PROTOCOL_ERROR);
        }
    }

    @Test
    void duplicateOpenIsAProtocolError() throws Exception {
        try (RawPeer peer = new RawPeer(CONFIG, IncomingStream::accept)) {
            peer.send(RawPeer.hello());
            peer.send(RawPeer.open(1, StreamKind.BYTES, 65536));
            assertEquals(1, peer.await(FrameType.ACCEPT).streamId());
            peer.send(RawPeer.open(1, StreamKind.BYTES, 65536));
            assertGoAway(peer, ErrorCode.PROTOCOL_ERROR);
        }
    }

    @Test
    void dataBeyondTheStreamWindowResetsOnlyThatStream() throws Exception {
        try (RawPeer peer = new RawPeer(CONFIG, IncomingStream::accept)) {
            peer.send(RawPeer.hello());
            peer.send(RawPeer.open(1, StreamKind.BYTES, 65536));
            RawFrame accept = peer.await(FrameType.ACCEPT);
            assertEquals(16 * 1024, accept.intAt(0));
            peer.send(RawPeer.frame(FrameType.DATA.code(), 0, 1, new byte[16 * 1024])); // exactly the window: fine
            peer.send(RawPeer.frame(FrameType.DATA.code(), 0, 1, new byte[1])); // one byte too many
            RawFrame reset = peer.await(FrameType.RESET);
            assertEquals(1, reset.streamId());
            assertEquals(ErrorCode.FLOW_CONTROL_ERROR.code(), reset.intAt(0));
            // The connection survives: a second stream still opens and PING is answered.
            peer.send(RawPeer.open(3, StreamKind.BYTES, 65536));
            assertEquals(3, peer.await(FrameType.ACCEPT).streamId());
            peer.send(RawPeer.frame(FrameType.PING.code(), 0, 0, ByteBuffer.allocate(8).putLong(77).array()));
            RawFrame pong = peer.await(FrameType.PING);
            assertEquals(FrameFormat.FLAG_ACK, pong.flags());
            assertTrue(peer.serverSession().isOpen());
        }
    }

    @Test
    void dataBeyondTheStreamWindowIsRejectedBeforeAnyOfItsBytesAreDelivered() throws Exception {
        java.util.concurrent.atomic.AtomicLong delivered = new java.util.concurrent.atomic.AtomicLong();
        StreamAcceptor counting = in -> in.accept(new StreamReader() {
            @Override
            public void onData(MuxStream s, io.netty.buffer.ByteBuf data, boolean endOfMessage) {
                delivered.addAndGet(data.readableBytes());
                data.release();
            }
        });
        try (RawPeer peer = new RawPeer(CONFIG, counting)) {
            peer.send(RawPeer.hello());
            peer.send(RawPeer.open(1, StreamKind.BYTES, 65536));
            peer.await(FrameType.ACCEPT);
            byte[] tooLarge = RawPeer.frame(FrameType.DATA.code(), 0, 1, new byte[20 * 1024]); // window: 16 KiB
            peer.send(java.util.Arrays.copyOf(tooLarge, 4096)); // header and the first bytes only
            RawFrame reset = peer.await(FrameType.RESET);
            assertEquals(ErrorCode.FLOW_CONTROL_ERROR.code(), reset.intAt(0));
            peer.send(java.util.Arrays.copyOfRange(tooLarge, 4096, tooLarge.length));
            peer.send(RawPeer.frame(FrameType.PING.code(), 0, 0, new byte[8]));
            peer.await(FrameType.PING); // the rest of the frame was skipped, framing is intact
            assertEquals(0, delivered.get());
            assertTrue(peer.serverSession().isOpen());
        }
    }

    @Test
    void tinyFramesToAReaderThatKeepsThemDoNotPinReceiveBuffers() throws Exception {
        java.util.List<io.netty.buffer.ByteBuf> kept = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.concurrent.CountDownLatch all = new java.util.concurrent.CountDownLatch(4000);
        StreamAcceptor keeping = in -> in.accept(new StreamReader() {
            @Override
            public void onData(MuxStream s, io.netty.buffer.ByteBuf data, boolean endOfMessage) {
                kept.add(data); // never released or consumed: the peer's window bounds what arrives
                for (int i = 0; i < data.readableBytes(); i++) {
                    all.countDown();
                }
            }
        });
        try (RawPeer peer = new RawPeer(CONFIG, keeping)) {
            peer.send(RawPeer.hello());
            peer.send(RawPeer.open(1, StreamKind.BYTES, 65536));
            peer.await(FrameType.ACCEPT);
            for (int i = 0; i < 4000; i++) {
                peer.send(RawPeer.frame(FrameType.DATA.code(), 0, 1, new byte[1]));
            }
            assertTrue(all.await(10, TimeUnit.SECONDS));
            java.util.Set<io.netty.buffer.ByteBuf> pinned = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            long pinnedBytes = 0;
            synchronized (kept) {
                for (io.netty.buffer.ByteBuf b : kept) {
                    io.netty.buffer.ByteBuf owner = b.unwrap() == null ? b : b.unwrap();
                    if (pinned.add(owner)) {
                        pinnedBytes += owner.capacity();
                    }
                }
                kept.forEach(io.netty.buffer.ByteBuf::release);
            }
            assertTrue(pinnedBytes <= 2 * 4000, "4000 bytes held pin " + pinnedBytes + " bytes of buffers");
        }
    }

    @Test
    void dataBeyondTheConnectionWindowEndsTheConnection() throws Exception {
        MuxConfig config = MuxConfig.defaults().withInitialStreamWindow(1 << 20).withConnectionWindow(1 << 20);
        try (RawPeer peer = new RawPeer(config, IncomingStream::accept)) {
            peer.send(RawPeer.hello());
            peer.send(RawPeer.open(1, StreamKind.BYTES, 65536));
            peer.send(RawPeer.open(3, StreamKind.BYTES, 65536));
            peer.await(FrameType.ACCEPT);
            peer.await(FrameType.ACCEPT);
            for (int i = 0; i < 8; i++) { // 512 KiB on each stream: each within its window, the sum is not
                peer.send(RawPeer.frame(FrameType.DATA.code(), 0, 1, new byte[65536]));
                peer.send(RawPeer.frame(FrameType.DATA.code(), 0, 3, new byte[65536]));
            }
            peer.send(RawPeer.frame(FrameType.DATA.code(), 0, 1, new byte[1]));
            assertGoAway(peer, ErrorCode.FLOW_CONTROL_ERROR);
        }
    }

    @Test
    void undefinedFlagsAndReservedBitsAreRejected() throws Exception {
        try (RawPeer peer = new RawPeer(CONFIG, StreamAcceptor.rejectAll())) {
            peer.send(RawPeer.hello());
            peer.send(RawPeer.frame(FrameType.PING.code(), 0x80, 0, new byte[8]));
            assertGoAway(peer, ErrorCode.PROTOCOL_ERROR);
        }
    }
}
