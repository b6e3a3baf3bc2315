package org.attestedmigration.securechannel.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.attestedmigration.policy.RuleResult;
import org.attestedmigration.policy.Verdict;
import org.junit.jupiter.api.Test;

/** The framing and the inbox on an in-memory channel: limits, failures, and the hold after the peer's verdict. */
class HandshakeFramingTest {
    private static EmbeddedChannel channel(MessageInbox inbox) {
        EmbeddedChannel ch = new EmbeddedChannel();
        HandshakeFraming.install(ch.pipeline());
        ch.pipeline().addLast(MessageInbox.NAME, inbox);
        return ch;
    }

    private static ByteBuf frame(byte[] payload) {
        return Unpooled.buffer().writeInt(payload.length).writeBytes(payload);
    }

    private static MessageInbox.Item next(MessageInbox inbox) throws InterruptedException {
        return inbox.poll(Duration.ofMillis(100)).orElse(null);
    }

    @Test
    void writesAreLengthPrefixedJson() {
        EmbeddedChannel ch = channel(new MessageInbox());
        HandshakeMessage.CredentialAnswer m = new HandshakeMessage.CredentialAnswer(new byte[] {1, 2});
        ch.writeOutbound(m);
        ByteBuf out = Unpooled.buffer();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            out.writeBytes((ByteBuf) o);
            ((ByteBuf) o).release();
        }
        int length = out.readInt();
        assertEquals(out.readableBytes(), length);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"type\":\"CREDENTIAL_ANSWER\""));
    }

    @Test
    void oversizedFrameFailsAndCloses() throws Exception {
        MessageInbox inbox = new MessageInbox();
        EmbeddedChannel ch = channel(inbox);
        ch.writeInbound(Unpooled.buffer().writeInt(MessageCodec.MAX_FRAME + 1).writeZero(16));
        assertInstanceOf(MessageInbox.Failed.class, next(inbox));
        assertFalse(ch.isOpen());
    }

    @Test
    void garbageFrameFailsAndCloses() throws Exception {
        MessageInbox inbox = new MessageInbox();
        EmbeddedChannel ch = channel(inbox);
        ch.writeInbound(frame("GET / HTTP/1.1".getBytes(StandardCharsets.US_ASCII)));
        assertInstanceOf(MessageInbox.Failed.class, next(inbox));
        assertFalse(ch.isOpen());
    }

    @Test
    void floodingPeerIsCutOff() throws Exception {
        MessageInbox inbox = new MessageInbox();
        EmbeddedChannel ch = channel(inbox);
        for (int i = 0; i < 20 && ch.isOpen(); i++) {
            ch.writeInbound(frame(MessageCodec.encode(new HandshakeMessage.CredentialAnswer(new byte[] {1}))));
        }
        assertFalse(ch.isOpen());
    }

    @Test
    void bytesAfterThePeersVerdictAreHeldRawUntilRemoved() throws Exception {
        MessageInbox inbox = new MessageInbox();
        EmbeddedChannel ch = channel(inbox);
        Verdict accept = Verdict.of(List.of(RuleResult.pass("x", "ok")));
        ByteBuf both = frame(MessageCodec.encode(HandshakeMessage.VerdictMessage.of(accept)));
        both.writeBytes("application bytes, not a frame".getBytes(StandardCharsets.US_ASCII));
        ch.writeInbound(both);
        assertInstanceOf(MessageInbox.Message.class, next(inbox));
        assertNull(next(inbox), "the trailing bytes are not parsed as a frame");
        assertTrue(ch.isOpen());
        assertFalse(ch.config().isAutoRead(), "reading pauses until the application takes over");
        assertNull(ch.pipeline().get(HandshakeFraming.FRAME_DECODER));
        assertNull(ch.readInbound(), "nothing passes the inbox before it is removed");
        ch.pipeline().remove(MessageInbox.NAME);
        ByteBuf released = ch.readInbound();
        assertEquals("application bytes, not a frame", released.toString(StandardCharsets.US_ASCII));
        released.release();
    }
}
